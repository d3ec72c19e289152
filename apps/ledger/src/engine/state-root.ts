import { accountLeafHash, merkleProof, merkleRoot, ProofStep } from '@concord/crypto';
import { LedgerInvariantError } from './engine.errors';
import type { Account } from './engine.types';

/** The state-root leaf of an account: its id, balance and reservation. */
export function accountLeaf(account: Pick<Account, 'id' | 'balanceMinor' | 'reservedMinor'>): Buffer {
  return accountLeafHash(account.id, account.balanceMinor.toString(), account.reservedMinor.toString());
}

interface CachedLeaf {
  balanceMinor: bigint;
  reservedMinor: bigint;
  leaf: Buffer;
}

/** The Merkle tree over every account in id order, whose root is a block's state root. */
export class StateTree {
  private sortedIds: string[] = [];
  /**
   * Each account's last state-root leaf with the balances it hashed: a block changes a few accounts, so
   * the others' leaves are reused instead of hashed again at every seal (a leaf depends only on the id
   * and the two balances compared here).
   */
  private readonly leafCache = new Map<string, CachedLeaf>();

  /** Every account id, in id order. */
  get accountIds(): readonly string[] {
    return this.sortedIds;
  }

  addAccount(id: string): void {
    this.sortedIds = [...this.sortedIds, id].sort();
  }

  /** The Merkle root over every account, in id order. */
  root(accounts: ReadonlyMap<string, Account>): string {
    return merkleRoot(this.leaves(accounts)).toString('hex');
  }

  /** A proof of one account's current balance against `root()`, or null for an unknown account. */
  proof(accounts: ReadonlyMap<string, Account>, accountId: string): ProofStep[] | null {
    const index = this.sortedIds.indexOf(accountId);
    if (index < 0) return null;
    return merkleProof(this.leaves(accounts), index);
  }

  private leaves(accounts: ReadonlyMap<string, Account>): Buffer[] {
    return this.sortedIds.map((id) => {
      const account = accounts.get(id);
      if (!account) throw new LedgerInvariantError(`unknown account ${id}`);
      const cached = this.leafCache.get(id);
      if (
        cached &&
        cached.balanceMinor === account.balanceMinor &&
        cached.reservedMinor === account.reservedMinor
      ) {
        return cached.leaf;
      }
      const leaf = accountLeaf(account);
      this.leafCache.set(id, {
        balanceMinor: account.balanceMinor,
        reservedMinor: account.reservedMinor,
        leaf,
      });
      return leaf;
    });
  }
}
