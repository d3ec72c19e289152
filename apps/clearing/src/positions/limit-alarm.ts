import type { ClearingEvent } from '@concord/contracts';
import { alarmThreshold, alarmTransition } from '../netting/netting';

/** A position account as the limit check reads it: its position (balance less reservations) and cap. */
export interface PositionAccount {
  id: string;
  participantId: string;
  currency: string;
  positionMinor: bigint;
  /** The ledger's net debit cap of the account; null without one (no overdraft, or no limit). */
  capMinor: bigint | null;
  height: number;
  alarmed: boolean;
}

export interface LimitCrossing {
  kind: 'alarm' | 'clear';
  participantId: string;
  currency: string;
  accountId: string;
  height: number;
  positionMinor: bigint;
  capMinor: bigint;
  thresholdMinor: bigint;
}

/**
 * The limit alarm of one position account, decided: the account's new `alarmed` flag (null when it stays
 * as it is), and the crossing with its event when the position went below the alarm share of its cap
 * (alarm) or came back above it (clear, which re-arms it). Without a cap there is nothing to cross: an
 * alarmed account is re-armed silently. `origin` (what caused the check, a block height) makes the event
 * id, so that a block taken in twice announces nothing twice.
 */
export function limitCheck(
  account: PositionAccount,
  shareBps: number,
  origin: string,
): { alarmed: boolean | null; crossing: LimitCrossing | null; event: ClearingEvent | null } {
  const { capMinor } = account;
  if (capMinor === null) return { alarmed: account.alarmed ? false : null, crossing: null, event: null };
  const thresholdMinor = alarmThreshold(capMinor, shareBps);
  const kind = alarmTransition(account.positionMinor, thresholdMinor, account.alarmed);
  if (kind === null) return { alarmed: null, crossing: null, event: null };
  const crossing: LimitCrossing = {
    kind,
    participantId: account.participantId,
    currency: account.currency,
    accountId: account.id,
    height: account.height,
    positionMinor: account.positionMinor,
    capMinor,
    thresholdMinor,
  };
  const type = kind === 'alarm' ? 'limit.alarm' : 'limit.cleared';
  const event: ClearingEvent = {
    v: 1,
    type,
    eventId: `${type}:${account.id}:${origin}`,
    participantId: account.participantId,
    currency: account.currency,
    accountId: account.id,
    height: account.height,
    positionMinor: account.positionMinor.toString(),
    capMinor: capMinor.toString(),
    thresholdMinor: thresholdMinor.toString(),
  };
  return { alarmed: kind === 'alarm', crossing, event };
}
