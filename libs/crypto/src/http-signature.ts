import { signBytes, SigningKey, verifyBytes } from './ed25519';
import { sha256Base64 } from './hash';

/**
 * A profile of HTTP Message Signatures (RFC 9421) for partner requests. Covered components are always
 * `@method`, `@path`, `@query` and `content-digest` (RFC 9530, sha-256), with `created` and `keyid` parameters and
 * `alg="ed25519"`. The same signature base can be rebuilt by every ledger signer from the instruction it
 * receives, so the partner's own signature travels with the instruction to the ledger.
 */
export const COVERED_COMPONENTS = '("@method" "@path" "@query" "content-digest")';

export interface SignedRequestParts {
  method: string;
  path: string;
  /** The query string without its '?' ('' when there is none). */
  query?: string;
  /** The exact body bytes as UTF-8 text ('' for an empty body). */
  body: string;
  created: number;
  keyId: string;
  /** A random value per request, so that a retry within the same second is not taken for a replay. */
  nonce?: string;
}

export function contentDigest(body: string): string {
  return `sha-256=:${sha256Base64(body)}:`;
}

export function signatureParams(created: number, keyId: string, nonce?: string): string {
  const noncePart = nonce ? `;nonce="${nonce}"` : '';
  return `${COVERED_COMPONENTS};created=${created};keyid="${keyId}"${noncePart};alg="ed25519"`;
}

export function signatureBase(parts: SignedRequestParts): string {
  return [
    `"@method": ${parts.method.toUpperCase()}`,
    `"@path": ${parts.path}`,
    `"@query": ?${parts.query ?? ''}`,
    `"content-digest": ${contentDigest(parts.body)}`,
    `"@signature-params": ${signatureParams(parts.created, parts.keyId, parts.nonce)}`,
  ].join('\n');
}

/** The headers a client sends: Content-Digest, Signature-Input and Signature (label `sig1`). */
export function signRequest(key: SigningKey, parts: SignedRequestParts): Record<string, string> {
  const signature = signBytes(key, signatureBase(parts));
  return {
    'content-digest': contentDigest(parts.body),
    'signature-input': `sig1=${signatureParams(parts.created, parts.keyId, parts.nonce)}`,
    signature: `sig1=:${Buffer.from(signature, 'base64url').toString('base64')}:`,
  };
}

export type SignatureHeaderProblem =
  'SIGNATURE_MISSING' | 'SIGNATURE_MALFORMED' | 'DIGEST_MISMATCH' | 'SIGNATURE_COMPONENTS';

export interface ParsedSignature {
  created: number;
  keyId: string;
  nonce?: string;
  /** base64url signature. */
  signature: string;
}

/** Parses the signature headers; returns the problem when they are absent or not of this profile. */
export function parseSignatureHeaders(headers: {
  signatureInput?: string;
  signature?: string;
  contentDigest?: string;
  body: string;
}): ParsedSignature | { problem: SignatureHeaderProblem } {
  if (!headers.signatureInput || !headers.signature) return { problem: 'SIGNATURE_MISSING' };
  const input =
    /^sig1=\(("[^"]+"(?: "[^"]+")*)\);created=(\d{1,12});keyid="([A-Za-z0-9._:-]{1,64})"(?:;nonce="([A-Za-z0-9_-]{8,64})")?;alg="ed25519"$/.exec(
      headers.signatureInput.trim(),
    );
  const value = /^sig1=:([A-Za-z0-9+/]{86}==):$/.exec(headers.signature.trim());
  if (!input || !value) return { problem: 'SIGNATURE_MALFORMED' };
  if (`(${input[1]})` !== COVERED_COMPONENTS) return { problem: 'SIGNATURE_COMPONENTS' };
  if (headers.contentDigest !== contentDigest(headers.body)) return { problem: 'DIGEST_MISMATCH' };
  return {
    created: Number(input[2]),
    keyId: input[3],
    ...(input[4] ? { nonce: input[4] } : {}),
    signature: Buffer.from(value[1], 'base64').toString('base64url'),
  };
}

export function verifyRequestSignature(publicKeyHex: string, parts: SignedRequestParts, signature: string) {
  return verifyBytes(publicKeyHex, signatureBase(parts), signature);
}
