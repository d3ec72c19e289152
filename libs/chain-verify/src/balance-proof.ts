import type {
  AccountEvidence,
  BlockEvidence,
  Check,
  Signer,
  SignerSet,
  TrustedGenesis,
  Verdict,
} from './types';
import { verifyBlock } from './verify-block';

/** A certified block that changed the signer set, with the set its message announces. */
export interface SignerSetChange extends BlockEvidence {
  signerSet: { signers: Signer[]; quorum: number };
}

/**
 * A balance proof of some accounts at one block, as the console serves it for a transfer: the block's
 * certified header, the accounts with their Merkle paths to its state root, and the blocks that changed
 * the signer set between the genesis and it (so the certificate is checked against the right set).
 */
export interface BalanceProofEvidence {
  block: BlockEvidence;
  accounts: AccountEvidence[];
  signerSetChanges: SignerSetChange[];
}

export interface BalanceProofVerdict extends Verdict {
  /** The signer set the block's certificate was checked against. */
  signerSet: SignerSet;
}

/**
 * Verifies a balance proof trusting only the genesis: each signer set change below the block must be
 * certified by the set before it (followed from the genesis in height order); the block must hash to its
 * header hash, name the genesis chain and hold a quorum of valid signatures of the set in force; each
 * account's leaf must lead by its path to the certified state root. The set a change announces is taken
 * from its block message (certified by the quorum of the set before, whose entries are not re-checked
 * here: verifyFromGenesis does that when it is given the entries).
 */
export function verifyBalanceProofFromGenesis(
  genesis: TrustedGenesis,
  evidence: BalanceProofEvidence,
): BalanceProofVerdict {
  const height = evidence.block.header.height;
  const checks: Check[] = [];
  let set: SignerSet = { signers: genesis.signers, quorum: genesis.quorum, fromHeight: 1 };
  let previous = 1;
  for (const change of evidence.signerSetChanges) {
    const h = change.header.height;
    if (h <= previous || h >= height) {
      checks.push({
        name: `signer set change at block ${h}`,
        ok: false,
        detail: `changes must be in height order between the genesis and block ${height}`,
      });
      continue;
    }
    previous = h;
    const verdict = verifyBlock(genesis, set, { ...change, accounts: undefined, entries: undefined });
    for (const c of verdict.checks) checks.push({ ...c, name: `block ${h} (signer set change): ${c.name}` });
    set = { signers: change.signerSet.signers, quorum: change.signerSet.quorum, fromHeight: h + 1 };
  }
  if (evidence.accounts.length === 0) {
    checks.push({ name: 'accounts', ok: false, detail: 'the proof names no account' });
  }
  checks.push(...verifyBlock(genesis, set, { ...evidence.block, accounts: evidence.accounts }).checks);
  return { ok: checks.every((c) => c.ok), checks, signerSet: set };
}
