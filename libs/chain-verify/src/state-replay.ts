import { accountLeafHex, merkleRootHex, type ProofStep } from './primitives';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils';

/** What a finalized block message says about members and accounts (ledger.finalized). */
export interface FinalizedStateDelta {
  header: { height: number; stateRoot: string };
  participants?: { id: string; currencies: string[] }[];
  accounts?: { id: string; balanceMinor: string; reservedMinor: string }[];
}

/**
 * The accounts a member's currencies open at zero (apps/ledger/src/engine/membership.ts): its position,
 * settlement and fees accounts, and the hub's hub and hub-fees accounts of each currency.
 */
export function openedAccountIds(participant: { id: string; currencies: string[] }): string[] {
  return participant.currencies.flatMap((currency) => [
    `${participant.id}/${currency}`,
    `${participant.id}/${currency}/settlement`,
    `${participant.id}/${currency}/fees`,
    `hub/${currency}`,
    `hub/${currency}/fees`,
  ]);
}

/**
 * The ledger's account set rebuilt from finalized block messages, block after block from the genesis:
 * every member currency opens a position, settlement and fees account, and the hub a hub and hub-fees
 * account per currency (apps/ledger/src/engine/membership.ts), all at zero; each block's `accounts` list
 * gives the accounts it changed as they stand after it. The state root recomputed over all of them must
 * be the certified header's, so nothing in the messages is trusted: a changed balance breaks the root.
 */
export class StateReplay {
  private readonly balances = new Map<string, { balanceMinor: string; reservedMinor: string }>();
  private height = 0;

  apply(block: FinalizedStateDelta): void {
    if (block.header.height !== this.height + 1) {
      throw new RangeError(`block ${block.header.height} follows block ${this.height}`);
    }
    for (const p of block.participants ?? []) for (const id of openedAccountIds(p)) this.open(id);
    for (const a of block.accounts ?? []) {
      this.balances.set(a.id, { balanceMinor: a.balanceMinor, reservedMinor: a.reservedMinor });
    }
    this.height = block.header.height;
  }

  get accountCount(): number {
    return this.balances.size;
  }

  /** The state root over every account in id order, as the ledger seals it. */
  root(): string {
    return merkleRootHex(this.leaves().map((l) => l.leaf));
  }

  /** An account's balances and Merkle path to `root()`, or null for an unknown account. */
  proof(accountId: string): { balanceMinor: string; reservedMinor: string; proof: ProofStep[] } | null {
    const leaves = this.leaves();
    const index = leaves.findIndex((l) => l.id === accountId);
    if (index < 0) return null;
    return {
      ...this.balances.get(accountId)!,
      proof: merklePath(
        leaves.map((l) => l.leaf),
        index,
      ),
    };
  }

  private open(id: string): void {
    if (!this.balances.has(id)) this.balances.set(id, { balanceMinor: '0', reservedMinor: '0' });
  }

  private leaves(): { id: string; leaf: string }[] {
    return [...this.balances.keys()].sort().map((id) => {
      const b = this.balances.get(id)!;
      return { id, leaf: accountLeafHex(id, b.balanceMinor, b.reservedMinor) };
    });
  }
}

/** The audit path from leaf `index` to the root (an odd node at the end of a level is carried up). */
export function merklePath(leavesHex: readonly string[], index: number): ProofStep[] {
  const steps: ProofStep[] = [];
  let level = leavesHex.map((h) => hexToBytes(h));
  let position = index;
  const node = (l: Uint8Array, r: Uint8Array) => sha256(concatBytes(Uint8Array.of(1), l, r));
  while (level.length > 1) {
    const sibling = position % 2 === 0 ? position + 1 : position - 1;
    if (sibling < level.length) steps.push({ hash: bytesToHex(level[sibling]), left: sibling < position });
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(i + 1 < level.length ? node(level[i], level[i + 1]) : level[i]);
    level = next;
    position = Math.floor(position / 2);
  }
  return steps;
}
