import type { AttemptState, OrderState } from '@concord/contracts';

/** What the ledger finalized for an attempt's transfer. */
export type LedgerStatus = 'reserved' | 'fulfilled' | 'aborted' | 'expired' | 'rejected' | 'committed';

/** What an order does after an attempt's outcome. */
export type Next =
  | { kind: 'none' }
  | { kind: 'set'; attempt: AttemptState; order: OrderState }
  /** The attempt ended without a payout: try the next partner (or give up, see afterFailure). */
  | { kind: 'reroute'; attempt: AttemptState; reason: string };

const FINAL_ATTEMPT: ReadonlySet<AttemptState> = new Set(['fulfilled', 'aborted', 'expired', 'rejected']);
export const FINAL_ORDER: ReadonlySet<OrderState> = new Set(['paid_out', 'failed', 'refunded']);

export function attemptIsFinal(state: AttemptState): boolean {
  return FINAL_ATTEMPT.has(state);
}

/**
 * The order's step on a ledger outcome of its current attempt. Final attempts never change again (a block
 * read twice changes nothing); a payout is final for the order: it is paid out once, by this attempt.
 */
export function onOutcome(
  attempt: AttemptState,
  order: OrderState,
  status: LedgerStatus,
  reason?: string,
): Next {
  if (attemptIsFinal(attempt) || FINAL_ORDER.has(order)) return { kind: 'none' };
  switch (status) {
    case 'reserved':
      return attempt === 'reserved'
        ? { kind: 'none' }
        : { kind: 'set', attempt: 'reserved', order: 'reserved' };
    // A single-phase commit cannot happen (routing sends two-phase transfers only), but it moved the money.
    case 'committed':
    case 'fulfilled':
      return { kind: 'set', attempt: 'fulfilled', order: 'paid_out' };
    case 'aborted':
    case 'expired':
    case 'rejected':
      return { kind: 'reroute', attempt: status, reason: reason ? `${status}: ${reason}` : status };
  }
}

/**
 * Where an order ends when no further partner takes it: `refunded` if money was ever reserved for it (the
 * reservation was released back to the app), `failed` if none ever was.
 */
export function afterFailure(everReserved: boolean): 'failed' | 'refunded' {
  return everReserved ? 'refunded' : 'failed';
}

/** Whether a reroute's price is within the app's policy: extra cost at most `absorbUpToBps` of the value. */
export function withinPolicy(
  shownCostMinor: bigint,
  newCostMinor: bigint,
  valueMinor: bigint,
  absorbUpToBps: number,
) {
  const extra = newCostMinor - shownCostMinor;
  return extra <= 0n || extra * 10_000n <= valueMinor * BigInt(absorbUpToBps);
}
