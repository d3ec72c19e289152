import { SettlementCommand, settlementSigningPayload, TransferOutcome } from '@concord/contracts';
import { verifyBytes } from '@concord/crypto';
import { positionAccountId, settlementAccountId } from './account-ids';
import type { RejectionReason } from './engine.errors';
import type { LogRecord } from './engine.types';
import { assertRoom } from './engine.limits';
import type { LedgerState } from './ledger-state';

/**
 * A settlement posting forwarded by clearing: it moves the confirmed amount between the participant's
 * position and its settlement account (see settlementCommandSchema), whatever the participant's status
 * and limits, because the money has already moved at the settlement bank.
 */
export function applySettlement(state: LedgerState, record: LogRecord, cmd: SettlementCommand): void {
  const refuse = (reason: RejectionReason) =>
    state.push(record, 'settlement', [refusedPosting(cmd, reason)], [], reason);
  if (!state.hasGenesis) return refuse('NO_GENESIS');
  const key = state.settlementKeys.get(cmd.keyId);
  const { signature, ...unsigned } = cmd;
  if (!key || !verifyBytes(key, settlementSigningPayload(state.chainId, unsigned), signature)) {
    return refuse('SETTLEMENT_NOT_AUTHORIZED');
  }
  if (state.settlementPostings.has(cmd.postingId)) return refuse('DUPLICATE_POSTING');
  const position = state.accounts.get(positionAccountId(cmd.participantId, cmd.currency));
  const settlement = state.accounts.get(settlementAccountId(cmd.participantId, cmd.currency));
  if (!position || !settlement) return refuse('UNKNOWN_ACCOUNT');
  const amount = BigInt(cmd.amountMinor);
  const posting = {
    participantId: cmd.participantId,
    currency: cmd.currency,
    direction: cmd.direction,
    amountMinor: amount,
    reversed: false,
  };
  let payIn = cmd.direction === 'pay-in';
  if (cmd.reverses !== undefined) {
    const original = state.settlementPostings.get(cmd.reverses);
    const matches =
      original !== undefined &&
      !original.reversed &&
      original.participantId === posting.participantId &&
      original.currency === posting.currency &&
      original.direction === posting.direction &&
      original.amountMinor === amount;
    if (!matches) return refuse('INVALID_REVERSAL');
    original.reversed = true;
    // A reversal is the posting with its sides swapped; it cannot itself be reversed.
    posting.reversed = true;
    payIn = !payIn;
  }
  const bound = state.limits.maxSettlementPostings;
  const what = 'settlement postings would exceed MAX_SETTLEMENT_POSTINGS';
  assertRoom(state.settlementPostings.size, 1, bound, what);
  state.settlementPostings.set(cmd.postingId, posting);
  const transferId = `settlement:${cmd.postingId}`;
  const postings = [
    payIn
      ? state.move(settlement.id, position.id, amount, transferId)
      : state.move(position.id, settlement.id, amount, transferId),
  ];
  const outcome: TransferOutcome = {
    transferId,
    status: 'committed',
    payer: payIn ? cmd.participantId : 'hub',
    payee: payIn ? 'hub' : cmd.participantId,
    amountMinor: amount.toString(),
    currency: cmd.currency,
  };
  state.push(record, 'settlement', [outcome], postings);
}

/**
 * A refused posting is reported as a refusal outcome under its id, so that clearing, which sent it, learns
 * from the finalized block that the positions did not move.
 */
function refusedPosting(cmd: SettlementCommand, reason: RejectionReason): TransferOutcome {
  return {
    transferId: `settlement:${cmd.postingId}`,
    status: 'rejected',
    reason,
    refusal: true,
    payer: cmd.direction === 'pay-in' ? cmd.participantId : 'hub',
    payee: cmd.direction === 'pay-in' ? 'hub' : cmd.participantId,
    amountMinor: cmd.amountMinor,
    currency: cmd.currency,
  };
}
