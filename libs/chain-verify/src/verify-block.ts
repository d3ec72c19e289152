import { entriesRootOf } from './entries';
import { accountLeafHex, headerHashOf, verifyMerklePath, verifySignature } from './primitives';
import { quorumIsSafe } from './signer-sets';
import type { BlockEvidence, Check, SignerSet, TrustedGenesis, Verdict } from './types';

function short(hex: string): string {
  return typeof hex === 'string' && hex.length > 16 ? `${hex.slice(0, 12)}…` : String(hex);
}

/** The certificate's valid, distinct signatures by members of `set` over the header hash. */
export function certificateSigners(block: BlockEvidence, set: SignerSet): { valid: string[]; bad: string[] } {
  const keys = new Map(set.signers.map((s) => [s.id, s.publicKey]));
  const valid: string[] = [];
  const bad: string[] = [];
  for (const entry of block.certificate ?? []) {
    const key = keys.get(entry?.signerId);
    if (key && !valid.includes(entry.signerId) && verifySignature(key, block.headerHash, entry.signature)) {
      valid.push(entry.signerId);
    } else bad.push(String(entry?.signerId ?? '?'));
  }
  return { valid, bad };
}

function headerChecks(genesis: TrustedGenesis, block: BlockEvidence): Check[] {
  const computed = headerHashOf(block.header);
  return [
    {
      name: 'chain',
      ok: block.header.chainId === genesis.chainId,
      detail: `the header names chain ${block.header.chainId}, the genesis ${genesis.chainId}`,
    },
    {
      name: 'header hash',
      ok: computed === block.headerHash,
      detail: `the header hashes to ${short(computed)}, the block says ${short(block.headerHash)}`,
    },
  ];
}

function certificateCheck(block: BlockEvidence, set: SignerSet): Check {
  const { valid, bad } = certificateSigners(block, set);
  const safe = quorumIsSafe(set.signers.length, set.quorum);
  return {
    name: 'certificate',
    ok: safe && valid.length >= set.quorum,
    detail:
      `${valid.length} valid signatures (${valid.join(', ') || 'none'}), quorum ${set.quorum} of ` +
      `${set.signers.length}` +
      (bad.length ? `; not counted: ${bad.join(', ')}` : '') +
      (safe ? '' : '; the quorum is not Byzantine-safe'),
  };
}

/** The entries root recomputed from the entries; null when none were given (nothing to report). */
function entriesCheck(block: BlockEvidence): Check | null {
  const entries = block.entries;
  if (!entries) return null;
  try {
    const root = entriesRootOf(entries);
    const countOk = entries.length === block.header.entryCount;
    return {
      name: 'entries root',
      ok: root === block.header.entriesRoot && countOk,
      detail: `${entries.length} entries (header: ${block.header.entryCount}) hash to root ${short(root)}, the header has ${short(block.header.entriesRoot)}`,
    };
  } catch (error) {
    return { name: 'entries root', ok: false, detail: `entries cannot be hashed: ${String(error)}` };
  }
}

function stateRootChecks(block: BlockEvidence): Check[] {
  return (block.accounts ?? []).map((account) => {
    const leaf = accountLeafHex(account.id, account.balanceMinor, account.reservedMinor);
    const ok = verifyMerklePath(leaf, account.proof ?? [], block.header.stateRoot);
    return {
      name: `state root path ${account.id}`,
      ok,
      detail: `${account.id} = ${account.balanceMinor} (reserved ${account.reservedMinor}) ${ok ? 'leads' : 'does not lead'} to state root ${short(block.header.stateRoot)} in ${account.proof?.length ?? 0} steps`,
    };
  });
}

/**
 * Checks one block against a trusted genesis and the signer set in force at its height: the header hash,
 * the quorum certificate, the entries root (when entries are given) and each account's Merkle path to the
 * state root (when accounts with proofs are given).
 */
export function verifyBlock(genesis: TrustedGenesis, set: SignerSet, block: BlockEvidence): Verdict {
  const entries = entriesCheck(block);
  const checks = [
    ...headerChecks(genesis, block),
    certificateCheck(block, set),
    ...(entries ? [entries] : []),
    ...stateRootChecks(block),
  ];
  return { ok: checks.every((c) => c.ok), checks };
}
