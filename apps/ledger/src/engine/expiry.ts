import type { TransferOutcome } from '@concord/contracts';
import type { TransferRecord } from './engine.types';
import type { LedgerState } from './ledger-state';

/** The earliest expiry of a reserved transfer, or null when none is reserved. */
export function nextExpiryMs(state: LedgerState): number | null {
  let next: number | null = null;
  for (const r of state.reserved.values()) {
    if (r.expiresAtMs !== undefined && (next === null || r.expiresAtMs < next)) next = r.expiresAtMs;
  }
  return next;
}

/**
 * Expires, in id order (then payer order, for one id used by several payers), every reservation whose
 * expiry is at or before the block time.
 */
export function expireReservations(state: LedgerState): TransferOutcome[] {
  if (state.reserved.size === 0) return [];
  const due: TransferRecord[] = [];
  for (const r of state.reserved.values()) if ((r.expiresAtMs ?? Infinity) <= state.clockMs) due.push(r);
  due.sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : a.payer < b.payer ? -1 : a.payer > b.payer ? 1 : 0,
  );
  return due.map((record) => {
    state.settle(record, 'expired', []);
    return state.outcomeOf(record);
  });
}
