import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { signBytes, signingKeyFromSeed, verifyBytes } from './ed25519';
import { canonicalJson, sha256, sha256Base64, sha256Hex } from './hash';
import { contentDigest } from './http-signature';
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

describe('hashes through the one-shot API', () => {
  // Everything that ends up in a block hash must not change when the way of hashing does: the Hash
  // object way, fed piece by piece, is the reference.
  const reference = (...parts: (Buffer | string)[]) => {
    const h = createHash('sha256');
    for (const part of parts) h.update(part);
    return h.digest();
  };
  // Lone surrogates and astral characters included: both ways must encode strings to the same UTF-8.
  const text = fc.string({ unit: 'binary', maxLength: 300 });
  const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));

  it('sha256, sha256Hex and sha256Base64 equal the Hash object digests', () => {
    fc.assert(
      fc.property(fc.oneof(text, bytes, fc.constantFrom('', '\ud800', 'é')), (data) => {
        const expected = reference(data);
        expect(sha256(data).equals(expected)).toBe(true);
        expect(sha256Hex(data)).toBe(expected.toString('hex'));
        expect(sha256Base64(data)).toBe(expected.toString('base64'));
        if (typeof data === 'string') {
          expect(contentDigest(data)).toBe(`sha-256=:${expected.toString('base64')}:`);
        }
      }),
    );
  });

  it('gives the Merkle leaves and roots of the tagged Hash object construction', () => {
    const referenceRoot = (leaves: Buffer[]): Buffer => {
      if (leaves.length === 0) return reference(Buffer.from([0]), '');
      let level = leaves;
      while (level.length > 1) {
        const next: Buffer[] = [];
        for (let i = 0; i < level.length; i += 2) {
          next.push(i + 1 < level.length ? reference(Buffer.from([1]), level[i], level[i + 1]) : level[i]);
        }
        level = next;
      }
      return level[0];
    };
    fc.assert(
      fc.property(fc.array(fc.oneof(text, bytes), { maxLength: 40 }), (items) => {
        const leaves = items.map((item) => leafHash(item));
        items.forEach((item, i) => expect(leaves[i].equals(reference(Buffer.from([0]), item))).toBe(true));
        expect(merkleRoot(leaves).equals(referenceRoot(leaves))).toBe(true);
      }),
    );
    expect(merkleRoot([]).toString('hex')).toBe(reference(Buffer.from([0])).toString('hex'));
  });
});
