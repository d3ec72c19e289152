import { verifyBalanceProofFromGenesis, type SignerSetChange } from './balance-proof';
import { headerHashOf } from './primitives';
import { publicKeyOfSeed, signWithSeed } from './signing';
import { StateReplay } from './state-replay';
import type { BlockEvidence, HeaderEvidence, TrustedGenesis } from './types';

/*
 * A small chain made here with real Ed25519 keys and the state replay's tree: four genesis signers, a
 * signer set change at block 3 (s1 leaves, s5 joins), and accounts proved at block 5.
 */
const seed = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
const signer = (n: number) => ({ id: `s${n}`, publicKey: publicKeyOfSeed(seed(n)) });
const genesis: TrustedGenesis = {
  chainId: 'proof-test',
  signers: [1, 2, 3, 4].map(signer),
  quorum: 3,
  operators: [],
  governanceThreshold: 1,
};

function block(height: number, stateRoot: string, signers: number[]): BlockEvidence {
  const header: HeaderEvidence = {
    chainId: 'proof-test',
    height,
    prevHash: '0'.repeat(64),
    entriesRoot: '1'.repeat(64),
    stateRoot,
    blockTimeMs: 1_700_000_000_000 + height,
    entryCount: 1,
    firstOffset: String(height),
    lastOffset: String(height),
  };
  const headerHash = headerHashOf(header);
  return {
    header,
    headerHash,
    certificate: signers.map((n) => ({ signerId: `s${n}`, signature: signWithSeed(seed(n), headerHash) })),
  };
}

const replay = new StateReplay();
replay.apply({ header: { height: 1, stateRoot: '' }, participants: [{ id: 'hk', currencies: ['USD'] }] });
replay.apply({
  header: { height: 2, stateRoot: '' },
  participants: [{ id: 'mnl', currencies: ['USD'] }],
  accounts: [
    { id: 'hk/USD', balanceMinor: '-1234', reservedMinor: '0' },
    { id: 'mnl/USD', balanceMinor: '1234', reservedMinor: '100' },
  ],
});
const root = replay.root();
const proved = ['hk/USD', 'mnl/USD'].map((id) => ({ id, ...replay.proof(id)! }));
const change: SignerSetChange = {
  ...block(3, '2'.repeat(64), [1, 2, 3]),
  signerSet: { signers: [2, 3, 4, 5].map(signer), quorum: 3 },
};

describe('verifyBalanceProofFromGenesis', () => {
  it('accepts accounts proved at a block certified by the set a certified change installed', () => {
    const verdict = verifyBalanceProofFromGenesis(genesis, {
      block: block(5, root, [2, 4, 5]),
      accounts: proved,
      signerSetChanges: [change],
    });
    expect(verdict.checks.filter((c) => !c.ok)).toEqual([]);
    expect(verdict.ok).toBe(true);
    expect(verdict.signerSet.signers.map((s) => s.id)).toEqual(['s2', 's3', 's4', 's5']);
    expect(verdict.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['state root path hk/USD', 'state root path mnl/USD', 'certificate']),
    );
  });

  it('refuses a balance one minor unit off, a reserved amount changed, or a foreign path', () => {
    const target = block(5, root, [2, 4, 5]);
    const off = [
      [{ ...proved[0], balanceMinor: '-1233' }],
      [{ ...proved[1], reservedMinor: '0' }],
      [{ ...proved[0], proof: proved[1].proof }],
    ];
    for (const accounts of off) {
      const verdict = verifyBalanceProofFromGenesis(genesis, {
        block: target,
        accounts,
        signerSetChanges: [change],
      });
      expect(verdict.ok).toBe(false);
      expect(verdict.checks.find((c) => !c.ok)?.name).toMatch(/^state root path/);
    }
  });

  it('refuses a block signed by the old set after the change, or without the change', () => {
    // s1 left at block 3: its signature no longer counts, so s1, s2, s3 are two of the quorum of three.
    const byOldSet = verifyBalanceProofFromGenesis(genesis, {
      block: block(5, root, [1, 2, 3]),
      accounts: proved,
      signerSetChanges: [change],
    });
    expect(byOldSet.ok).toBe(false);
    expect(byOldSet.checks.find((c) => c.name === 'certificate')?.detail).toMatch(/not counted: s1/);
    // Without the change, s5 is nobody: the new set's certificate falls short of the genesis quorum.
    const hidden = verifyBalanceProofFromGenesis(genesis, {
      block: block(5, root, [2, 4, 5]),
      accounts: proved,
      signerSetChanges: [],
    });
    expect(hidden.ok).toBe(false);
  });

  it('refuses a signer set change the set before did not certify, and a header that was altered', () => {
    const forged: SignerSetChange = { ...block(3, '2'.repeat(64), [2, 5, 6]), signerSet: change.signerSet };
    expect(
      verifyBalanceProofFromGenesis(genesis, {
        block: block(5, root, [2, 4, 5]),
        accounts: proved,
        signerSetChanges: [forged],
      }).checks.find((c) => !c.ok)?.name,
    ).toBe('block 3 (signer set change): certificate');
    const target = block(5, root, [2, 4, 5]);
    const altered = { ...target, header: { ...target.header, blockTimeMs: target.header.blockTimeMs + 1 } };
    const verdict = verifyBalanceProofFromGenesis(genesis, {
      block: altered,
      accounts: proved,
      signerSetChanges: [change],
    });
    expect(verdict.checks.find((c) => c.name === 'header hash')?.ok).toBe(false);
  });

  it('refuses changes out of order or at the block itself, and a proof of no account', () => {
    const verdict = verifyBalanceProofFromGenesis(genesis, {
      block: block(3, root, [1, 2, 3]),
      accounts: [],
      signerSetChanges: [change],
    });
    expect(verdict.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([
      'signer set change at block 3',
      'accounts',
    ]);
  });
});
