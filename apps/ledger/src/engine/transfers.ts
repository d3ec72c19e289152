/**
 * Transfers in one currency: new ones (posted at once, or reserved when two-phase), repeats of a known id,
 * and the fulfilment or abort of a reserved one. Cross-currency transfers are in fx-transfers.ts.
 */
import {
  checkClearance,
  Clearance,
  TransferInstruction,
  transferKey,
  TransferOutcome,
} from '@concord/contracts';
import { parseAmount } from '@concord/money';
import { positionAccountId } from './account-ids';
import type { RejectionReason } from './engine.errors';
import type { Account, Leg, Posting, TransferRecord, TransferTerms } from './engine.types';
import type { SameKeys } from './entry-json';
import { applyConversion } from './fx-transfers';
import type { LedgerState } from './ledger-state';
import { begin, newTransferRecord, schemeFeeLeg } from './transfer-start';

// `repeats` and `termsOf` compare and keep an instruction field by field: this stops compiling when the
// instruction gains or loses a field, so that neither forgets one.
const _transferKeys: SameKeys<
  TransferInstruction,
  'amount' | 'currency' | 'expiresInMs' | 'id' | 'payee' | 'payer' | 'quote' | 'twoPhase'
> = true;

/**
 * The terms of most transfers (one phase, no expiry, no quote), one object for all of them: terms are
 * never changed once recorded, and every transfer ever made keeps its record for the life of the chain.
 */
const PLAIN_TERMS: TransferTerms = { twoPhase: false, expiresInMs: null, quoteId: null };

/** The terms of a transfer instruction that its record keeps (see TransferRecord). */
function termsOf(t: TransferInstruction): TransferTerms {
  if (!t.twoPhase && t.expiresInMs === undefined && t.quote === undefined) return PLAIN_TERMS;
  return { twoPhase: t.twoPhase ?? false, expiresInMs: t.expiresInMs ?? null, quoteId: t.quote?.id ?? null };
}

/**
 * Whether an instruction repeats the transfer recorded under its key (its payer's id): made by an
 * instruction, and the same payer, payee, amount in minor units ("10" and "10.00" USD are one amount),
 * currency, phases, expiry and quote. Anything else under a known key is DUPLICATE_MODIFIED. Compared field by field: every transfer of
 * every batch is looked up, and a content hash per transfer would cost the signers a large share of
 * their CPU.
 */
function repeats(existing: TransferRecord, t: TransferInstruction, amount: bigint): boolean {
  const terms = existing.terms;
  return (
    terms !== null &&
    existing.payer === t.payer &&
    existing.payee === t.payee &&
    existing.amountMinor === amount &&
    existing.currency === t.currency &&
    terms.twoPhase === (t.twoPhase ?? false) &&
    terms.expiresInMs === (t.expiresInMs ?? null) &&
    terms.quoteId === (t.quote?.id ?? null)
  );
}

/** A transfer instruction of a partner, applied or refused. */
export function applyTransfer(
  state: LedgerState,
  signer: string,
  t: TransferInstruction,
  logTimeMs: number,
  postings: Posting[],
  clearances?: readonly Clearance[],
): TransferOutcome {
  let amount: bigint;
  try {
    amount = parseAmount(t.amount, t.currency);
  } catch {
    return rejectNew(t, 0n, 'INVALID_AMOUNT');
  }
  // Only the payer may use a transfer: anyone else's attempt is refused without taking or revealing the id.
  if (t.payer !== signer) return rejectNew(t, amount, 'PAYER_NOT_SIGNER');
  // A transfer is known by its payer and id: another payer's use of the same id is another transfer, so
  // that no partner learns of, or is blocked by, another's ids. One string concatenation per transfer.
  const key = transferKey(t.payer, t.id);
  const existing = state.transfers.get(key);
  if (existing) {
    if (!repeats(existing, t, amount)) return rejectNew(t, amount, 'DUPLICATE_MODIFIED');
    return state.outcomeOf(existing);
  }
  // Refused without taking the id, so that the same transfer with its clearance (a held one released) can
  // follow; a repeat of a recorded transfer above returns its outcome, since it moves nothing.
  if (needsClearance(state, t, amount)) {
    const uncleared = clearanceRefusal(state, t, clearances, amount);
    if (uncleared) return rejectNew(t, amount, uncleared);
  }
  const terms = termsOf(t);
  if (t.quote) return applyConversion(state, t, key, amount, terms, logTimeMs, postings);
  const payerAccount = state.accounts.get(positionAccountId(t.payer, t.currency));
  const payeeAccount = state.accounts.get(positionAccountId(t.payee, t.currency));
  const fee = state.schemeFees.get(t.currency) ?? 0n;
  const reason = refusalOf(state, signer, t, amount + fee, payerAccount, payeeAccount);
  if (reason || !payerAccount || !payeeAccount) {
    const record = newTransferRecord(t, key, amount, terms, 'rejected');
    record.reason = reason ?? 'UNKNOWN_ACCOUNT';
    // A rejected transfer keeps its id, so that a retry with the same content gets the same answer.
    state.recordTransfer(record);
    return state.outcomeOf(record);
  }
  const committed = newTransferRecord(t, key, amount, terms, 'committed', payerAccount.id, payeeAccount.id);
  if (t.twoPhase || fee > 0n) {
    const legs: Leg[] = [
      { debit: payerAccount.id, credit: payeeAccount.id, amountMinor: amount, postingId: key },
    ];
    if (fee > 0n) legs.push(schemeFeeLeg(payerAccount.id, t.currency, fee, key));
    begin(
      state,
      committed,
      legs,
      [{ accountId: payerAccount.id, amountMinor: amount + fee }],
      t,
      logTimeMs,
      postings,
    );
  } else {
    // The common case, a single posting, skips the legs' bookkeeping.
    postings.push(state.move(payerAccount.id, payeeAccount.id, amount, key));
  }
  state.recordTransfer(committed);
  return state.outcomeOf(committed);
}

/**
 * Whether a transfer needs a clearance: at or above its currency's threshold in the genesis's compliance
 * section (a cross-currency transfer is judged in its source currency). Without compliance in the genesis,
 * or under the threshold, it costs one map lookup. An invalid amount needs none (it is refused anyway).
 */
export function needsClearance(state: LedgerState, t: TransferInstruction, amount?: bigint): boolean {
  const threshold = state.clearanceThresholds.get(t.currency);
  if (threshold === undefined) return false;
  if (amount === undefined) {
    try {
      amount = parseAmount(t.amount, t.currency);
    } catch {
      return false;
    }
  }
  return amount >= threshold;
}

/**
 * Why a transfer that needs a clearance lacks a valid one, or null: it needs a clearance for its id signed
 * by a genesis compliance key that covers exactly its payer, payee, amount and currency.
 */
export function clearanceRefusal(
  state: LedgerState,
  t: TransferInstruction,
  clearances: readonly Clearance[] | undefined,
  amount: bigint = parseAmount(t.amount, t.currency),
): RejectionReason | null {
  const clearance = clearances?.find((c) => c.transferId === t.id);
  if (!clearance) return 'CLEARANCE_REQUIRED';
  const transfer = {
    transferId: t.id,
    payer: t.payer,
    payee: t.payee,
    amountMinor: amount.toString(),
    currency: t.currency,
  };
  return checkClearance(clearance, transfer, state.clearanceKeys).ok ? null : 'CLEARANCE_INVALID';
}

/** Why a new transfer is refused, checked in this order; null when it can be applied. */
function refusalOf(
  state: LedgerState,
  signer: string,
  t: TransferInstruction,
  amount: bigint,
  payerAccount: Account | undefined,
  payeeAccount: Account | undefined,
): RejectionReason | null {
  if (t.payer === t.payee) return 'SAME_PARTICIPANT';
  const payee = state.participants.get(t.payee);
  if (!payee) return 'UNKNOWN_PARTICIPANT';
  if (payee.status !== 'active') return 'PARTICIPANT_NOT_ACTIVE';
  if (!payerAccount || !payeeAccount) return 'UNKNOWN_ACCOUNT';
  if (!state.hasHeadroom(payerAccount, amount)) return 'INSUFFICIENT_FUNDS';
  return null;
}

/** Refuses an instruction without recording anything under its id. */
export function rejectNew(t: TransferInstruction, amount: bigint, reason: RejectionReason): TransferOutcome {
  return {
    transferId: t.id,
    status: 'rejected',
    reason,
    refusal: true,
    payer: t.payer,
    payee: t.payee,
    amountMinor: amount.toString(),
    currency: t.currency,
  };
}

/**
 * The transfer a fulfil or abort means: the one of `payer` when the request names it (`?payer=`);
 * otherwise the signer's own transfer with that id, else the one two-phase transfer paid to the signer
 * under that id (null when several payers used it towards the signer: AMBIGUOUS_TRANSFER).
 */
function completedRecord(
  state: LedgerState,
  signer: string,
  transferId: string,
  payer: string | undefined,
): TransferRecord | null | undefined {
  if (payer !== undefined) return state.transfers.get(transferKey(payer, transferId));
  const key = transferKey(signer, transferId);
  return state.transfers.get(key) ?? state.incoming.get(key);
}

/**
 * The fulfilment or abort of a reserved two-phase transfer by one of its parties; `payer` is the payer the
 * request names, if any (see completedRecord).
 */
export function completeTransfer(
  state: LedgerState,
  signer: string,
  transferId: string,
  payer: string | undefined,
  action: 'fulfil' | 'abort',
  postings: Posting[],
): TransferOutcome {
  const record = completedRecord(state, signer, transferId, payer);
  const refuse = (reason: RejectionReason): TransferOutcome => ({
    transferId,
    status: 'rejected',
    reason,
    refusal: true,
    payer: record?.payer ?? '',
    payee: record?.payee ?? '',
    amountMinor: (record?.amountMinor ?? 0n).toString(),
    currency: record?.currency ?? 'XXX',
  });
  if (record === null) return refuse('AMBIGUOUS_TRANSFER');
  if (!record) return refuse('UNKNOWN_TRANSFER');
  // Fulfilment is the payee's confirmation that it paid out; either side may abort.
  const allowed =
    action === 'fulfil' ? signer === record.payee : signer === record.payee || signer === record.payer;
  if (!allowed) return refuse('NOT_AUTHORIZED');
  if (record.status !== 'reserved') {
    const alreadyDone =
      (action === 'fulfil' && record.status === 'fulfilled') ||
      (action === 'abort' && record.status === 'aborted');
    return alreadyDone ? state.outcomeOf(record) : refuse('NOT_RESERVED');
  }
  // A reservation past its time has expired, whether or not a block has released it yet: a fulfilment
  // (or abort) that arrives late ends it as expired, and nothing is paid.
  if ((record.expiresAtMs ?? Infinity) <= state.clockMs) {
    state.settle(record, 'expired', postings);
    return state.outcomeOf(record);
  }
  state.settle(record, action === 'fulfil' ? 'fulfilled' : 'aborted', postings);
  return state.outcomeOf(record);
}
