import { signingKeyFromSeed } from './ed25519';
import { parseSignatureHeaders, signatureBase, signRequest, verifyRequestSignature } from './http-signature';

describe('HTTP message signatures (RFC 9421 profile)', () => {
  const key = signingKeyFromSeed('22'.repeat(32));
  const parts = {
    method: 'POST',
    path: '/v1/transfers',
    query: 'wait=10',
    body: '{"a":1}',
    created: 1_800_000_000,
    keyId: 'k-1',
    nonce: 'abcdefgh12',
  };

  it('builds the documented signature base', () => {
    expect(signatureBase(parts)).toBe(
      [
        '"@method": POST',
        '"@path": /v1/transfers',
        '"@query": ?wait=10',
        '"content-digest": sha-256=:AVq9f1zFei3ZS3WQ8ErYCEJzkF7jPsXOvq5iJ2qX+GI=:',
        '"@signature-params": ("@method" "@path" "@query" "content-digest");created=1800000000;keyid="k-1";nonce="abcdefgh12";alg="ed25519"',
      ].join('\n'),
    );
  });

  it('round-trips: the headers parse back and verify; any change to method, path, query or body fails', () => {
    const headers = signRequest(key, parts);
    const parsed = parseSignatureHeaders({
      signatureInput: headers['signature-input'],
      signature: headers.signature,
      contentDigest: headers['content-digest'],
      body: parts.body,
    });
    if ('problem' in parsed) throw new Error(parsed.problem);
    expect(parsed).toMatchObject({ created: parts.created, keyId: 'k-1', nonce: 'abcdefgh12' });
    const signed = { ...parts, nonce: parsed.nonce };
    expect(verifyRequestSignature(key.publicKeyHex, signed, parsed.signature)).toBe(true);
    for (const change of [
      { method: 'GET' },
      { path: '/v1/other' },
      { query: 'wait=20' },
      { body: '{"a":2}' },
    ]) {
      expect(verifyRequestSignature(key.publicKeyHex, { ...signed, ...change }, parsed.signature)).toBe(
        false,
      );
    }
  });

  it('names what is wrong with the headers', () => {
    const headers = signRequest(key, parts);
    const base = {
      signatureInput: headers['signature-input'],
      signature: headers.signature,
      contentDigest: headers['content-digest'],
      body: parts.body,
    };
    expect(parseSignatureHeaders({ ...base, signature: undefined })).toEqual({
      problem: 'SIGNATURE_MISSING',
    });
    expect(parseSignatureHeaders({ ...base, signature: 'sig1=:abc:' })).toEqual({
      problem: 'SIGNATURE_MALFORMED',
    });
    expect(parseSignatureHeaders({ ...base, body: '{"a":3}' })).toEqual({ problem: 'DIGEST_MISMATCH' });
    expect(
      parseSignatureHeaders({ ...base, signatureInput: base.signatureInput.replace(' "@query"', '') }),
    ).toEqual({ problem: 'SIGNATURE_COMPONENTS' });
  });
});
