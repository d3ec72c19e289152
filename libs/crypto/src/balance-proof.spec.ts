import fc from 'fast-check';
import { accountLeafHash, BalanceProofInput, checkCertificate, verifyBalanceProof } from './balance-proof';
import { signBytes, signingKeyFromSeed } from './ed25519';
import { canonicalJson, sha256Hex } from './hash';
import { merkleProof, merkleRoot } from './merkle';

const keys = ['s1', 's2', 's3', 's4'].map((id, i) => ({
  id,
  key: signingKeyFromSeed(String(i + 1).repeat(64)),
}));
const signers = keys.map((k) => ({ id: k.id, publicKey: k.key.publicKeyHex }));
const outsider = signingKeyFromSeed('9'.repeat(64));

const accounts = [
  { id: 'alpha/USD', balance: '1500', reserved: '0' },
  { id: 'beta/USD', balance: '-250', reserved: '100' },
  { id: 'gamma/USD', balance: '0', reserved: '0' },
  { id: 'hub/USD', balance: '-1250', reserved: '0' },
  { id: 'alpha/PHP', balance: '99', reserved: '7' },
];

/** A proof for account `index` built the way the ledger builds one: leaves in account id order. */
function proofFor(index: number, list = accounts, by = ['s1', 's2', 's3']): BalanceProofInput {
  const sorted = [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const leaves = sorted.map((a) => accountLeafHash(a.id, a.balance, a.reserved));
  const target = sorted.findIndex((a) => a.id === list[index].id);
  const header = {
    chainId: 'test-chain',
    height: 7,
    prevHash: 'a'.repeat(64),
    entriesRoot: 'b'.repeat(64),
    stateRoot: merkleRoot(leaves).toString('hex'),
    blockTimeMs: 1_700_000_000_000,
    entryCount: 3,
    firstOffset: '10',
    lastOffset: '12',
  };
  const headerHash = sha256Hex(canonicalJson(header));
  return {
    accountId: sorted[target].id,
    balanceMinor: sorted[target].balance,
    reservedMinor: sorted[target].reserved,
    proof: merkleProof(leaves, target),
    header,
    headerHash,
    certificate: by.map((id) => ({
      signerId: id,
      signature: signBytes(keys.find((k) => k.id === id)!.key, headerHash),
    })),
    signers,
    quorum: 3,
  };
}

function reasonOf(input: BalanceProofInput): string {
  const result = verifyBalanceProof(input);
  return result.ok ? 'ok' : result.reason;
}

describe('verifyBalanceProof', () => {
  it('accepts a proof of every account', () => {
    accounts.forEach((_, i) => expect(verifyBalanceProof(proofFor(i))).toEqual({ ok: true }));
  });

  it('accepts a single-account tree, whose proof is empty', () => {
    const input = proofFor(0, [accounts[0]]);
    expect(input.proof).toEqual([]);
    expect(reasonOf(input)).toBe('ok');
  });

  it('accepts proofs of trees of any size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.nat(),
        fc.bigInt(-(10n ** 15n), 10n ** 15n),
        (n, pick, amount) => {
          const list = Array.from({ length: n }, (_, i) => ({
            id: `p${i}/USD`,
            balance: (amount + BigInt(i)).toString(),
            reserved: String(i),
          }));
          expect(reasonOf(proofFor(pick % n, list, ['s2', 's4', 's1']))).toBe('ok');
        },
      ),
      { numRuns: 30 },
    );
  });

  it('refuses a changed balance, reservation or account id', () => {
    expect(reasonOf({ ...proofFor(1), balanceMinor: '-249' })).toMatch(/Merkle proof/);
    expect(reasonOf({ ...proofFor(1), reservedMinor: '0' })).toMatch(/Merkle proof/);
    expect(reasonOf({ ...proofFor(1), accountId: 'alpha/USD' })).toMatch(/Merkle proof/);
  });

  it('refuses non-canonical amounts instead of hashing them', () => {
    expect(reasonOf({ ...proofFor(0), balanceMinor: '01500' })).toMatch(/balanceMinor/);
    expect(reasonOf({ ...proofFor(0), reservedMinor: '-0' })).toMatch(/reservedMinor/);
  });

  it('refuses a changed or malformed proof path', () => {
    const input = proofFor(2);
    const flipped = input.proof.map((s, i) => (i === 0 ? { ...s, left: !s.left } : s));
    expect(reasonOf({ ...input, proof: flipped })).toMatch(/Merkle proof/);
    expect(reasonOf({ ...input, proof: input.proof.slice(1) })).toMatch(/Merkle proof/);
    expect(reasonOf({ ...input, proof: [{ hash: 'zz', left: true }] })).toMatch(/Merkle proof/);
  });

  it('refuses a header that does not hash to headerHash', () => {
    const input = proofFor(0);
    expect(reasonOf({ ...input, header: { ...input.header, height: 8 } })).toMatch(/does not hash/);
    // A proof against another state root: the header must then change, and so must its hash.
    expect(reasonOf({ ...input, header: { ...input.header, stateRoot: 'c'.repeat(64) } })).toMatch(
      /does not hash/,
    );
  });

  it('refuses a proof against a re-hashed header that the signers never certified', () => {
    const input = proofFor(0);
    const header = { ...input.header, stateRoot: 'c'.repeat(64) };
    expect(reasonOf({ ...input, header, headerHash: sha256Hex(canonicalJson(header)) })).toMatch(
      /certificate holds 0/,
    );
  });

  it('needs a quorum of valid, distinct signer signatures', () => {
    const input = proofFor(0);
    const [a, b, c] = input.certificate;
    expect(reasonOf({ ...input, certificate: [a, b] })).toMatch(/holds 2 valid .* quorum is 3/);
    expect(reasonOf({ ...input, certificate: [a, b, a] })).toMatch(/holds 2 valid/);
    expect(reasonOf({ ...input, certificate: [a, b, { signerId: 's3', signature: b.signature }] })).toMatch(
      /holds 2/,
    );
    const byOutsider = { signerId: 'mallory', signature: signBytes(outsider, input.headerHash) };
    expect(reasonOf({ ...input, certificate: [a, b, byOutsider] })).toMatch(/holds 2/);
    const outsiderAsS4 = { signerId: 's4', signature: signBytes(outsider, input.headerHash) };
    expect(reasonOf({ ...input, certificate: [a, b, outsiderAsS4] })).toMatch(/holds 2/);
    // Entries that do not count do not spoil a certificate that still holds a quorum.
    expect(reasonOf({ ...input, certificate: [byOutsider, a, b, a, c] })).toBe('ok');
  });

  it('refuses a signer set or quorum that could certify two headers', () => {
    const input = proofFor(0);
    expect(reasonOf({ ...input, quorum: 2 })).toMatch(/not Byzantine-safe/);
    expect(reasonOf({ ...input, quorum: 5 })).toMatch(/not Byzantine-safe/);
    expect(reasonOf({ ...input, quorum: 0, certificate: [] })).toMatch(/not Byzantine-safe/);
    // A majority that is not Byzantine-safe: five signers with quorum three (two such quorums share one).
    const fifth = { id: 's5', publicKey: signingKeyFromSeed('5e'.repeat(32)).publicKeyHex };
    expect(reasonOf({ ...input, signers: [...signers, fifth], quorum: 3 })).toMatch(
      /not Byzantine-safe for the 5 signers \(at least 4, at most 5\)/,
    );
    expect(reasonOf({ ...input, signers: [...signers, signers[0]] })).toMatch(/twice/);
  });
});

describe('checkCertificate', () => {
  it('names every entry that does not count and why', () => {
    const hash = 'd'.repeat(64);
    const sig = (i: number) => signBytes(keys[i].key, hash);
    const result = checkCertificate(
      hash,
      [
        { signerId: 's1', signature: sig(0) },
        { signerId: 's1', signature: sig(0) },
        { signerId: 's9', signature: sig(1) },
        { signerId: 's2', signature: sig(2) },
        { signerId: 's3', signature: 'not-a-signature' },
        { signerId: 's4', signature: sig(3) },
      ],
      signers,
    );
    expect(result.validSigners).toEqual(['s1', 's4']);
    expect(result.rejected).toEqual([
      { index: 1, signerId: 's1', problem: 'duplicate signer' },
      { index: 2, signerId: 's9', problem: 'unknown signer' },
      { index: 3, signerId: 's2', problem: 'invalid signature' },
      { index: 4, signerId: 's3', problem: 'invalid signature' },
    ]);
  });
});
