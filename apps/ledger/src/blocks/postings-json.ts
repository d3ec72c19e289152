import type { SealedBlock } from '../engine/engine.types';

/** An entry's postings as stored in its `postings` column: amounts as decimal strings of minor units. */
export function postingsJson(postings: SealedBlock['entries'][number]['postings']): string {
  return JSON.stringify(
    postings.map((p) => ({
      transferId: p.transferId,
      debitAccount: p.debitAccount,
      creditAccount: p.creditAccount,
      amountMinor: p.amountMinor.toString(),
      currency: p.currency,
    })),
  );
}
