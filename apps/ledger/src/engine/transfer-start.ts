/**
 * The start of a new transfer, in one currency or across two: its record, the scheme fee leg, and the
 * posting of its legs at once or their reservation until a two-phase transfer is fulfilled.
 */
import type { TransferInstruction } from '@concord/contracts';
import { hubFeesAccountId } from './account-ids';
import type { Leg, Posting, TransferRecord, TransferTerms } from './engine.types';
import { assertRoom } from './engine.limits';
import type { LedgerState } from './ledger-state';

/** How long a two-phase transfer stays reserved when its instruction names no expiry. */
const DEFAULT_EXPIRES_IN_MS = 24 * 3600 * 1000;

/**
 * The record of a new transfer: rejected (without accounts), or committed between two accounts (and
 * reserved by `begin` when two-phase), under its `key` (transferKey of its payer and id, which the caller
 * has made already). Built once with its final fields, as every transfer makes one.
 */
export function newTransferRecord(
  t: TransferInstruction,
  key: string,
  amount: bigint,
  terms: TransferTerms,
  status: 'rejected' | 'committed',
  payerAccount = '',
  payeeAccount = '',
): TransferRecord {
  return {
    id: t.id,
    key,
    terms,
    payer: t.payer,
    payee: t.payee,
    payerAccount,
    payeeAccount,
    amountMinor: amount,
    currency: t.currency,
    status,
  };
}

/** The leg that pays the operator's scheme fee of a transfer into the hub's fee income account. */
export function schemeFeeLeg(payerAccount: string, currency: string, fee: bigint, key: string): Leg {
  return {
    debit: payerAccount,
    credit: hubFeesAccountId(currency),
    amountMinor: fee,
    postingId: `${key}:scheme-fee`,
  };
}

/**
 * Posts the legs of a new transfer at once, or, for a two-phase one, reserves what they need and keeps
 * them for its fulfilment.
 */
export function begin(
  state: LedgerState,
  record: TransferRecord,
  legs: Leg[],
  reservations: { accountId: string; amountMinor: bigint }[],
  t: TransferInstruction,
  logTimeMs: number,
  postings: Posting[],
): void {
  if (!t.twoPhase) {
    for (const leg of legs) postings.push(state.move(leg.debit, leg.credit, leg.amountMinor, leg.postingId));
    return;
  }
  record.status = 'reserved';
  record.legs = legs;
  record.reservations = reservations;
  record.expiresAtMs = logTimeMs + (t.expiresInMs ?? DEFAULT_EXPIRES_IN_MS);
  const bound = state.limits.maxPendingReservations;
  assertRoom(state.reserved.size, 1, bound, 'reservations would exceed MAX_PENDING_RESERVATIONS');
  state.reserve(record);
  state.reserved.set(record.key, record);
  state.indexIncoming(record);
}
