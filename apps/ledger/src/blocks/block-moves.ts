import type { FinalizedBlock } from '@concord/contracts';
import type { Account, Entry } from '../engine/engine.types';

/** Kinds of account whose postings are obligations between participants, the ones clearing nets. */
const NETTED_KINDS: ReadonlySet<Account['kind']> = new Set(['position', 'fees']);

/**
 * The money a block moved between two different participants, summed per payer, payee and currency (in
 * that order), from its postings: what a finalized block tells clearing to net. Postings that touch a
 * hub, settlement or the same participant on both sides are left out.
 */
export function blockMoves(
  entries: readonly Entry[],
  accountOf: (id: string) => Pick<Account, 'participantId' | 'kind'> | undefined,
): FinalizedBlock['moves'] {
  const sums = new Map<
    string,
    { payer: string; payee: string; currency: string; amount: bigint; count: number }
  >();
  for (const entry of entries) {
    for (const p of entry.postings) {
      const from = accountOf(p.debitAccount);
      const to = accountOf(p.creditAccount);
      if (!from || !to || !NETTED_KINDS.has(from.kind) || !NETTED_KINDS.has(to.kind)) continue;
      if (from.participantId === to.participantId) continue;
      const key = `${from.participantId}\u0000${to.participantId}\u0000${p.currency}`;
      const sum = sums.get(key);
      if (sum) {
        sum.amount += p.amountMinor;
        sum.count += 1;
      } else {
        sums.set(key, {
          payer: from.participantId,
          payee: to.participantId,
          currency: p.currency,
          amount: p.amountMinor,
          count: 1,
        });
      }
    }
  }
  return [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, m]) => ({
      payer: m.payer,
      payee: m.payee,
      currency: m.currency,
      amountMinor: m.amount.toString(),
      count: m.count,
    }));
}
