import fc from 'fast-check';
import { signBytes, signingKeyFromSeed, verifyBytes } from './ed25519';
import { canonicalJson, sha256Hex } from './hash';
import { leafHash, merkleProof, merkleRoot, verifyMerkleProof } from './merkle';

const seed = 'a'.repeat(64);

describe('ed25519', () => {
  const key = signingKeyFromSeed(seed);

  it('derives the same public key from the same seed', () => {
    expect(signingKeyFromSeed(seed).publicKeyHex).toBe(key.publicKeyHex);
    expect(key.publicKeyHex).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies its own signatures and refuses changed data or keys', () => {
    const signature = signBytes(key, 'pay 100');
    expect(verifyBytes(key.publicKeyHex, 'pay 100', signature)).toBe(true);
    expect(verifyBytes(key.publicKeyHex, 'pay 101', signature)).toBe(false);
    expect(verifyBytes(signingKeyFromSeed('b'.repeat(64)).publicKeyHex, 'pay 100', signature)).toBe(false);
  });

  it('treats malformed keys and signatures as invalid, without throwing', () => {
    expect(verifyBytes('zz', 'x', signBytes(key, 'x'))).toBe(false);
    expect(verifyBytes(key.publicKeyHex, 'x', 'not-a-signature')).toBe(false);
  });
});

describe('canonicalJson', () => {
  it('sorts keys so that equal objects give equal bytes', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
    expect(sha256Hex(canonicalJson({ x: '1', y: '2' }))).toBe(sha256Hex(canonicalJson({ y: '2', x: '1' })));
  });
});

describe('merkle', () => {
  it('proves every leaf of trees of any size, and refuses a changed leaf', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 40 }), fc.nat(), (items, pick) => {
        const leaves = items.map((item, i) => leafHash(`${i}:${item}`));
        const root = merkleRoot(leaves).toString('hex');
        const index = pick % leaves.length;
        const proof = merkleProof(leaves, index);
        expect(verifyMerkleProof(leaves[index], proof, root)).toBe(true);
        expect(verifyMerkleProof(leafHash('forged'), proof, root)).toBe(false);
      }),
    );
  });

  it('changes the root when any leaf changes', () => {
    const leaves = ['a', 'b', 'c'].map((s) => leafHash(s));
    const root = merkleRoot(leaves).toString('hex');
    expect(merkleRoot([leaves[0], leafHash('x'), leaves[2]]).toString('hex')).not.toBe(root);
  });
});
