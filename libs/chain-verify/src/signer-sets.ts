import { canonicalJson, verifySignature } from './primitives';
import type { BlockEvidence, Signer, SignerSet, TrustedGenesis } from './types';

/** Byzantine-safe quorum for n signers, as the ledger requires: floor(2n/3) + 1 at least, n at most. */
export function quorumIsSafe(signerCount: number, quorum: number): boolean {
  return Number.isInteger(quorum) && quorum <= signerCount && quorum >= Math.floor((2 * signerCount) / 3) + 1;
}

/** Reads the genesis command (the first entry of block 1) into what a verifier trusts. */
export function trustedGenesisFrom(genesisCommand: unknown): TrustedGenesis {
  const g = genesisCommand as Partial<TrustedGenesis> & { type?: string };
  if (g?.type !== 'genesis' || typeof g.chainId !== 'string' || !Array.isArray(g.signers)) {
    throw new TypeError('not a genesis command');
  }
  return {
    chainId: g.chainId,
    signers: g.signers.map((s) => ({ id: s.id, publicKey: s.publicKey })),
    quorum: Number(g.quorum),
    operators: (g.operators ?? []).map((k) => ({ keyId: k.keyId, publicKey: k.publicKey })),
    governanceThreshold: Number(g.governanceThreshold ?? 1),
  };
}

interface SignerChange {
  proposalId: string;
  action:
    | { kind: 'add-signer'; signer: Signer; quorum: number }
    | { kind: 'remove-signer'; signerId: string; quorum: number };
  approvals: { keyId: string; signature: string }[];
}

function signerChangeOf(payload: string): SignerChange | null {
  try {
    const cmd = JSON.parse(payload) as { type?: string; action?: { kind?: string } } & SignerChange;
    const kind = cmd?.action?.kind;
    return cmd.type === 'governance' && (kind === 'add-signer' || kind === 'remove-signer') ? cmd : null;
  } catch {
    return null;
  }
}

/** Distinct genesis operator keys whose approval of the change verifies. */
function approvers(genesis: TrustedGenesis, change: SignerChange): number {
  const payload = canonicalJson({
    domain: 'concord-governance-v1',
    chainId: genesis.chainId,
    proposalId: change.proposalId,
    action: change.action,
  });
  const keys = new Map(genesis.operators.map((k) => [k.keyId, k.publicKey]));
  const seen = new Set<string>();
  for (const a of change.approvals ?? []) {
    const key = keys.get(a?.keyId);
    if (key && !seen.has(a.keyId) && verifySignature(key, payload, a.signature)) seen.add(a.keyId);
  }
  return seen.size;
}

/**
 * The signer set that follows `current` after a block's governance entries, computed here from the
 * entries themselves (never from what a server says the new set is). Only entries the ledger applied
 * (no rejection) with enough genesis operator approvals count. The caller has checked the block's
 * certificate and entries root, so these entries are what the quorum signed.
 */
export function nextSignerSet(genesis: TrustedGenesis, current: SignerSet, block: BlockEvidence): SignerSet {
  let { signers, quorum } = current;
  let changed = false;
  for (const entry of block.entries ?? []) {
    const change = entry.rejection === null ? signerChangeOf(entry.payload) : null;
    if (!change || approvers(genesis, change) < genesis.governanceThreshold) continue;
    const a = change.action;
    signers = a.kind === 'add-signer' ? [...signers, a.signer] : signers.filter((s) => s.id !== a.signerId);
    quorum = a.quorum;
    changed = true;
  }
  return changed ? { signers, quorum, fromHeight: block.header.height + 1 } : current;
}

/** The genesis signer set, which signs from block 1. */
export function genesisSignerSet(genesis: TrustedGenesis): SignerSet {
  return { signers: genesis.signers, quorum: genesis.quorum, fromHeight: 1 };
}
