import type {
  ClearingEvent,
  InstructionDirection,
  InstructionStatus,
  LimitAlarmView,
  SettlementInstructionEventView,
  SettlementInstructionMessage,
} from '@concord/contracts';
import { sha256Hex } from '@concord/crypto';
import { formatAmount } from '@concord/money';
import type { NewDelivery, Subscription, WebhookPayload } from './webhook-events';
import type { ClearingWebhookEvent } from './webhooks.dto';

/**
 * What the webhooks need of a settlement instruction the gateway stored from its `instruction.created`
 * event (settlement/settlement-instructions.repository.ts). The confirmation and reversal events name the
 * instruction only, so its participant (who gets the webhook), currency and amount come from there.
 */
export interface KnownInstruction {
  id: string;
  windowId: number;
  participantId: string;
  currency: string;
  direction: InstructionDirection;
  amountMinor: string;
  valueDate: string;
}

/** A settlement instruction and a limit alarm as webhooks show them (the contract's views). */
export type SettlementInstructionView = SettlementInstructionEventView;
export type { LimitAlarmView };

/** A clearing event as the webhook it becomes, or why it becomes none. */
export type SettlementEventOutcome =
  | {
      kind: 'event';
      type: ClearingWebhookEvent;
      participantId: string;
      /** The instruction (settlement events) or the account (limit events) the event is about. */
      subjectId: string;
      data: SettlementInstructionView | LimitAlarmView;
    }
  /** A confirmation or reversal of an instruction the gateway has no record of: nobody to send it to. */
  | { kind: 'unroutable'; instructionId: string }
  /** Not an event for a partner (windows, gross settlements, refusals of a participant's confirmation). */
  | { kind: 'ignored' };

export function knownInstruction(i: SettlementInstructionMessage): KnownInstruction {
  return {
    id: i.instructionId,
    windowId: i.windowId,
    participantId: i.participantId,
    currency: i.currency,
    direction: i.direction,
    amountMinor: i.amountMinor,
    valueDate: i.valueDate,
  };
}

/** Minor units as a decimal string of the currency; plain minor units for a code the money lib lacks. */
function amount(minor: bigint, currency: string): string {
  try {
    return formatAmount(minor, currency);
  } catch {
    return minor.toString();
  }
}

/** An instruction as its webhooks show it, with what is confirmed of it so far. */
function instructionView(
  i: KnownInstruction,
  confirmedMinor: bigint,
  status: InstructionStatus,
): SettlementInstructionView {
  const total = BigInt(i.amountMinor);
  return {
    id: i.id,
    windowId: i.windowId,
    participantId: i.participantId,
    currency: i.currency,
    direction: i.direction,
    amount: amount(total, i.currency),
    confirmed: amount(confirmedMinor, i.currency),
    outstanding: amount(total - confirmedMinor, i.currency),
    valueDate: i.valueDate,
    status,
  };
}

/**
 * The webhook a clearing event makes. `known` holds the instructions the gateway has seen created
 * (looked up by id for confirmations and reversals); a confirmation of an instruction of another window
 * than the one recorded is treated as unknown rather than sent to a participant it might not concern.
 */
export function settlementEventOf(
  event: ClearingEvent,
  known: ReadonlyMap<string, KnownInstruction>,
): SettlementEventOutcome {
  if (event.type === 'instruction.created') {
    const i = knownInstruction(event.instruction);
    return {
      kind: 'event',
      type: 'settlement.instruction.created',
      participantId: i.participantId,
      subjectId: i.id,
      data: instructionView(i, 0n, 'pending'),
    };
  }
  if (event.type === 'instruction.cancelled') {
    // Nothing is to be paid under it any more: nothing is outstanding.
    const i = knownInstruction(event.instruction);
    return {
      kind: 'event',
      type: 'settlement.instruction.cancelled',
      participantId: i.participantId,
      subjectId: i.id,
      data: {
        ...instructionView(i, 0n, 'cancelled'),
        outstanding: amount(0n, i.currency),
        carriedToWindowId: event.carriedToWindowId,
      },
    };
  }
  if (event.type === 'limit.alarm' || event.type === 'limit.cleared') {
    return {
      kind: 'event',
      type: event.type,
      participantId: event.participantId,
      subjectId: event.accountId,
      data: {
        accountId: event.accountId,
        participantId: event.participantId,
        currency: event.currency,
        position: amount(BigInt(event.positionMinor), event.currency),
        cap: amount(BigInt(event.capMinor), event.currency),
        threshold: amount(BigInt(event.thresholdMinor), event.currency),
        blockHeight: event.height,
      },
    };
  }
  if (event.type !== 'instruction.confirmed' && event.type !== 'instruction.reversed')
    return { kind: 'ignored' };
  const i = known.get(event.instructionId);
  if (!i || i.windowId !== event.windowId) return { kind: 'unroutable', instructionId: event.instructionId };
  return {
    kind: 'event',
    type:
      event.type === 'instruction.confirmed'
        ? 'settlement.instruction.confirmed'
        : 'settlement.instruction.reversed',
    participantId: i.participantId,
    subjectId: i.id,
    data: {
      ...instructionView(i, BigInt(event.confirmedMinor), event.status),
      confirmation: {
        bankReference: event.bankReference,
        amount: amount(BigInt(event.amountMinor), i.currency),
      },
    },
  };
}

/**
 * One delivery per (subscription, clearing event): derived from the clearing event's `eventId`, so that
 * a redelivered event (the clearing outbox publishes at least once) makes no second delivery. The suffix
 * keeps these ids apart from the transfer deliveries' (no transfer state is called `clearing`).
 */
export function settlementDeliveryId(webhookId: string, clearingEventId: string): string {
  return `dlv_${sha256Hex(`${webhookId}\n${clearingEventId}\nclearing`).slice(0, 32)}`;
}

/** One event id per (participant, clearing event): two subscriptions of one partner share it. */
export function settlementEventId(participantId: string, clearingEventId: string): string {
  return `evt_${sha256Hex(`${participantId}\n${clearingEventId}\nclearing`).slice(0, 32)}`;
}

/**
 * The deliveries of one settlement event: one per subscription of the instruction's participant that
 * asked for its type, and none for anyone else. `publishedAtMs` (the Kafka record time) is the payload's
 * `createdAt`. Settlement deliveries belong to no block: their height is 0, their subject the instruction.
 */
export function settlementDeliveries(
  event: Extract<SettlementEventOutcome, { kind: 'event' }>,
  clearingEventId: string,
  publishedAtMs: number,
  subscriptions: readonly Subscription[],
): NewDelivery[] {
  const out: NewDelivery[] = [];
  let payload: string | undefined;
  const eventId = settlementEventId(event.participantId, clearingEventId);
  for (const sub of subscriptions) {
    if (sub.participantId !== event.participantId || !sub.events.includes(event.type)) continue;
    const body: WebhookPayload<SettlementInstructionView | LimitAlarmView> = {
      id: eventId,
      type: event.type,
      createdAt: new Date(publishedAtMs).toISOString(),
      data: event.data,
    };
    payload ??= JSON.stringify(body);
    out.push({
      id: settlementDeliveryId(sub.id, clearingEventId),
      webhookId: sub.id,
      participantId: event.participantId,
      eventId,
      event: event.type,
      transferId: event.subjectId,
      blockHeight: 0,
      payload,
    });
  }
  return out;
}
