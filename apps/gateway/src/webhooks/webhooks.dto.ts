import {
  DeliveryView,
  LIMIT_EVENTS,
  LimitEvent,
  SETTLEMENT_EVENTS,
  SettlementEvent,
  WebhookEventType,
  WebhookView,
} from '@concord/contracts';

/** The events the clearing service's events become. */
export type ClearingWebhookEvent = SettlementEvent | LimitEvent;

export function isSettlementEvent(event: string): event is SettlementEvent {
  return (SETTLEMENT_EVENTS as readonly string[]).includes(event);
}

export function isLimitEvent(event: string): event is LimitEvent {
  return (LIMIT_EVENTS as readonly string[]).includes(event);
}

/** Subscription ids: `wh_` and 32 hex characters. */
export const WEBHOOK_ID = /^wh_[0-9a-f]{32}$/;

export function toWebhookView(row: {
  id: string;
  url: string;
  events: string[];
  format: string;
  createdAt: Date;
}): WebhookView {
  return {
    id: row.id,
    url: row.url,
    events: row.events as WebhookEventType[],
    format: row.format as WebhookView['format'],
    createdAt: row.createdAt.toISOString(),
  };
}

export function toDeliveryView(
  row: {
    id: string;
    eventId: string;
    event: string;
    transferId: string;
    blockHeight: number;
    status: string;
    attempts: number;
    createdAt: Date;
    deliveredAt: Date | null;
  },
  attempts: {
    attempt: number;
    statusCode: number | null;
    error: string | null;
    durationMs: number;
    at: Date;
  }[],
): DeliveryView {
  // A settlement or limit delivery keeps its instruction or account id in the subject column the transfer
  // id uses, and has no block (height 0 there).
  const subject = isSettlementEvent(row.event)
    ? { instructionId: row.transferId }
    : isLimitEvent(row.event)
      ? { accountId: row.transferId }
      : { transferId: row.transferId, blockHeight: row.blockHeight };
  return {
    id: row.id,
    eventId: row.eventId,
    event: row.event as WebhookEventType,
    ...subject,
    status: row.status as DeliveryView['status'],
    attempts: row.attempts,
    createdAt: row.createdAt.toISOString(),
    ...(row.deliveredAt ? { deliveredAt: row.deliveredAt.toISOString() } : {}),
    attemptLog: attempts.map((a) => ({
      attempt: a.attempt,
      ...(a.statusCode !== null ? { statusCode: a.statusCode } : {}),
      ...(a.error !== null ? { error: a.error } : {}),
      durationMs: a.durationMs,
      at: a.at.toISOString(),
    })),
  };
}
