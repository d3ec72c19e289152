import { genesisSignerSet, nextSignerSet, trustedGenesisFrom } from './signer-sets';
import type { BlockEvidence, Check, SignerSet, TrustedGenesis, Verdict } from './types';
import { verifyBlock } from './verify-block';

export interface ChainEvidence {
  /** Block 1 with its entries: its first entry is the genesis command, the one thing trusted. */
  genesisBlock: BlockEvidence;
  /** Header hash of the genesis block known from elsewhere (pinned), when there is one. */
  trustedGenesisHash?: string;
  /** Every block below the target that changed the signer set, with its entries, in height order. */
  signerChanges: BlockEvidence[];
  /** The block to verify. */
  block: BlockEvidence;
}

export interface ChainVerdict extends Verdict {
  genesis: TrustedGenesis | null;
  /** The signer set the target block was checked against. */
  signerSet: SignerSet | null;
}

function prefixed(prefix: string, checks: Check[]): Check[] {
  return checks.map((c) => ({ ...c, name: `${prefix}: ${c.name}` }));
}

function genesisOf(evidence: ChainEvidence): { genesis: TrustedGenesis } | { failure: Check } {
  const first = evidence.genesisBlock.entries?.[0];
  if (evidence.genesisBlock.header.height !== 1 || !first) {
    return { failure: { name: 'genesis', ok: false, detail: 'block 1 with its entries is needed' } };
  }
  try {
    return { genesis: trustedGenesisFrom(JSON.parse(first.payload)) };
  } catch (error) {
    return { failure: { name: 'genesis', ok: false, detail: `block 1 holds no genesis: ${String(error)}` } };
  }
}

/**
 * Verifies a block trusting only the genesis: the genesis block must hash to the pinned hash (if any)
 * and commit to the genesis command through its entries root; each signer set change is followed from
 * the genesis through blocks certified by the set before them; the target block's certificate is then
 * checked against the set computed for its height, with its entries root and state-root paths.
 */
export function verifyFromGenesis(evidence: ChainEvidence): ChainVerdict {
  const found = genesisOf(evidence);
  if ('failure' in found) return { ok: false, checks: [found.failure], genesis: null, signerSet: null };
  const { genesis } = found;
  const checks: Check[] = [];
  if (evidence.trustedGenesisHash !== undefined) {
    const ok = evidence.genesisBlock.headerHash === evidence.trustedGenesisHash;
    checks.push({
      name: 'genesis pinned',
      ok,
      detail: ok ? 'block 1 is the pinned genesis' : 'block 1 is not the genesis pinned in this browser',
    });
  }
  let set = genesisSignerSet(genesis);
  const path = [evidence.genesisBlock, ...evidence.signerChanges].filter(
    (b, i) => i === 0 || (b.header.height > 1 && b.header.height < evidence.block.header.height),
  );
  for (const block of path) {
    if (block.header.height === evidence.block.header.height) break;
    const verdict = verifyBlock(genesis, set, block);
    checks.push(...prefixed(`block ${block.header.height}`, verdict.checks));
    set = nextSignerSet(genesis, set, block);
  }
  checks.push(...verifyBlock(genesis, set, evidence.block).checks);
  return { ok: checks.every((c) => c.ok), checks, genesis, signerSet: set };
}
