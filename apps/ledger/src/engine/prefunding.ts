/**
 * Prefunding moved by governance: money paid in at the settlement bank is credited from the hub's account
 * (funds-in), and a withdrawal is reserved (funds-out) until the operator confirms that it was paid or
 * not (funds-out-complete).
 */
import type { GovernanceAction, TransferOutcome } from '@concord/contracts';
import { hubAccountId, positionAccountId } from './account-ids';
import type { RejectionReason } from './engine.errors';
import { assertRoom } from './engine.limits';
import type { Posting, TransferRecord } from './engine.types';
import type { LedgerState } from './ledger-state';

type Action<K extends GovernanceAction['kind']> = Extract<GovernanceAction, { kind: K }>;

export function fundsIn(
  state: LedgerState,
  proposalId: string,
  action: Action<'funds-in'>,
  outcomes: TransferOutcome[],
  postings: Posting[],
): RejectionReason | null {
  const account = state.accounts.get(positionAccountId(action.participantId, action.currency));
  // A closed participant takes no new money (a withdrawal of what settlement still brings is fine).
  if (!account || state.participants.get(action.participantId)?.status === 'closed')
    return 'INVALID_PROPOSAL';
  const amount = BigInt(action.amountMinor);
  const transferId = `funds-in:${proposalId}`;
  postings.push(state.move(hubAccountId(action.currency), account.id, amount, transferId));
  outcomes.push({
    transferId,
    status: 'committed',
    payer: 'hub',
    payee: action.participantId,
    amountMinor: amount.toString(),
    currency: action.currency,
  });
  return null;
}

export function fundsOut(
  state: LedgerState,
  proposalId: string,
  action: Action<'funds-out'>,
  outcomes: TransferOutcome[],
): RejectionReason | null {
  const account = state.accounts.get(positionAccountId(action.participantId, action.currency));
  if (!account) return 'INVALID_PROPOSAL';
  const amount = BigInt(action.amountMinor);
  // Prefunded money leaves only from what is there: a withdrawal never uses the credit of a cap.
  if (account.balanceMinor - account.reservedMinor < amount) return 'INSUFFICIENT_FUNDS';
  const transferId = `funds-out:${proposalId}`;
  const hub = hubAccountId(action.currency);
  const withdrawal: TransferRecord = {
    id: transferId,
    key: transferId,
    terms: null,
    payer: action.participantId,
    payee: 'hub',
    payerAccount: account.id,
    payeeAccount: hub,
    amountMinor: amount,
    currency: action.currency,
    status: 'reserved',
    legs: [{ debit: account.id, credit: hub, amountMinor: amount, postingId: transferId }],
    reservations: [{ accountId: account.id, amountMinor: amount }],
  };
  const bound = state.limits.maxPendingWithdrawals;
  assertRoom(state.fundsOuts.size, 1, bound, 'withdrawals would exceed MAX_PENDING_WITHDRAWALS');
  state.reserve(withdrawal);
  state.fundsOuts.set(proposalId, withdrawal);
  outcomes.push(state.outcomeOf(withdrawal));
  return null;
}

export function completeFundsOut(
  state: LedgerState,
  action: Action<'funds-out-complete'>,
  outcomes: TransferOutcome[],
  postings: Posting[],
): RejectionReason | null {
  const withdrawal = state.fundsOuts.get(action.fundsOutProposalId);
  if (!withdrawal) return 'INVALID_PROPOSAL';
  state.fundsOuts.delete(action.fundsOutProposalId);
  state.settle(withdrawal, action.outcome === 'paid' ? 'fulfilled' : 'aborted', postings);
  outcomes.push(state.outcomeOf(withdrawal));
  return null;
}
