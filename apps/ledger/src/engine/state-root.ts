import { accountLeafHash, merkleProof, merkleRoot, ProofStep } from '@concord/crypto';
import { assert } from './engine.errors';
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
    return merkleRoot(this.leaves(accounts, null)).toString('hex');
  }

  /**
   * The state root of a block being sealed, asserting on the way that the balances changed since the
   * last state root sum to zero in each currency. Every account opens at zero, so this is the double-entry
   * invariant, balances summing to zero per currency at every seal, for the price of one subtraction per
   * changed account: the unchanged ones reuse their cached leaves and are not summed again.
   *
   * `root()` does not check, and moves the baseline when a caller hashes between seals: the signers'
   * fault injection (for the Byzantine tests) changes a balance behind the engine's back and hashes it
   * there, so that its node goes on with a wrong state, as a faulty state machine would, instead of
   * stopping at its next seal.
   */
  sealRoot(accounts: ReadonlyMap<string, Account>): string {
    const netChangeByCurrency = new Map<string, bigint>();
    const root = merkleRoot(this.leaves(accounts, netChangeByCurrency)).toString('hex');
    for (const [currency, net] of netChangeByCurrency) {
      assert(net === 0n, 'the balances of a currency no longer sum to zero', `${currency} off by ${net}`);
    }
    return root;
  }

  /** A proof of one account's current balance against `root()`, or null for an unknown account. */
  proof(accounts: ReadonlyMap<string, Account>, accountId: string): ProofStep[] | null {
    const index = this.sortedIds.indexOf(accountId);
    if (index < 0) return null;
    return merkleProof(this.leaves(accounts, null), index);
  }

  /**
   * Every account's leaf, in id order. With `netChangeByCurrency`, adds up per currency how far each
   * balance moved since its cached leaf (from zero for a new account).
   */
  private leaves(
    accounts: ReadonlyMap<string, Account>,
    netChangeByCurrency: Map<string, bigint> | null,
  ): Buffer[] {
    return this.sortedIds.map((id) => {
      const account = accounts.get(id);
      assert(account, 'the state tree holds an unknown account', id);
      const cached = this.leafCache.get(id);
      if (
        cached &&
        cached.balanceMinor === account.balanceMinor &&
        cached.reservedMinor === account.reservedMinor
      ) {
        return cached.leaf;
      }
      if (netChangeByCurrency) {
        const change = account.balanceMinor - (cached?.balanceMinor ?? 0n);
        const net = netChangeByCurrency.get(account.currency) ?? 0n;
        if (change !== 0n) netChangeByCurrency.set(account.currency, net + change);
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
