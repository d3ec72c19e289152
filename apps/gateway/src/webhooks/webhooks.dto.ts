import { z } from 'zod';

/** Events of the transfers a partner pays or receives: one per final or intermediate state. */
export const TRANSFER_EVENTS = [
  'transfer.committed',
  'transfer.rejected',
  'transfer.reserved',
  'transfer.fulfilled',
  'transfer.aborted',
  'transfer.expired',
] as const;

/**
 * Events of the partner's own settlement instructions, from the clearing service: an instruction of a
 * closed window, a confirmation of (part of) it, the reversal of one, and its cancellation when an operator
 * aborts its window.
 */
export const SETTLEMENT_EVENTS = [
  'settlement.instruction.created',
  'settlement.instruction.confirmed',
  'settlement.instruction.reversed',
  'settlement.instruction.cancelled',
] as const;
export type SettlementEvent = (typeof SETTLEMENT_EVENTS)[number];

/**
 * Limit alarms of the partner's own position accounts, from the clearing service: the position went below
 * the alarm share of its net debit cap (80 % by default), or came back above it.
 */
export const LIMIT_EVENTS = ['limit.alarm', 'limit.cleared'] as const;
export type LimitEvent = (typeof LIMIT_EVENTS)[number];

/** The events the clearing service's events become. */
export type ClearingWebhookEvent = SettlementEvent | LimitEvent;

/** The events a partner can subscribe to. */
export const WEBHOOK_EVENTS = [...TRANSFER_EVENTS, ...SETTLEMENT_EVENTS, ...LIMIT_EVENTS] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export function isSettlementEvent(event: string): event is SettlementEvent {
  return (SETTLEMENT_EVENTS as readonly string[]).includes(event);
}

export function isLimitEvent(event: string): event is LimitEvent {
  return (LIMIT_EVENTS as readonly string[]).includes(event);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function hasNoCredentials(value: string): boolean {
  try {
    const url = new URL(value);
    return url.username === '' && url.password === '';
  } catch {
    return true;
  }
}

/** `POST /v1/webhooks`: unknown fields, unknown events and other schemes than http(s) are refused. */
export const createWebhookSchema = z
  .object({
    url: z
      .string()
      .max(2048)
      .refine(isHttpUrl, 'an absolute http:// or https:// URL')
      .refine(
        hasNoCredentials,
        'no user or password in the URL: requests are authenticated by their signature',
      )
      .describe('Where the events are POSTed (http or https).'),
    events: z
      .array(z.enum(WEBHOOK_EVENTS))
      .min(1)
      .max(WEBHOOK_EVENTS.length)
      .refine((e) => new Set(e).size === e.length, 'each event at most once')
      .describe('The events to receive.'),
  })
  .strict();
export type CreateWebhook = z.infer<typeof createWebhookSchema>;

/** `GET /v1/webhooks/{id}/deliveries?limit&status`. */
export const deliveriesQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    status: z.enum(['pending', 'delivered', 'dead', 'cancelled']).optional(),
  })
  .strict();

/** Subscription ids: `wh_` and 32 hex characters. */
export const WEBHOOK_ID = /^wh_[0-9a-f]{32}$/;

/** The views of the API, as zod schemas: the TypeScript types and the OpenAPI schemas come from them. */
export const webhookViewSchema = z.object({
  id: z.string().describe('wh_ and 32 hex characters'),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENTS)),
  createdAt: z.string().describe('ISO 8601'),
});
export type WebhookView = Omit<z.infer<typeof webhookViewSchema>, 'events'> & { events: string[] };

export const createdWebhookViewSchema = webhookViewSchema.extend({
  secret: z
    .string()
    .describe('The HMAC-SHA256 key of the payload signatures (its UTF-8 bytes). Shown once, never again.'),
});
export type CreatedWebhookView = WebhookView & { secret: string };

export const deliveryAttemptViewSchema = z.object({
  attempt: z.number().int().describe('1 for the first attempt'),
  statusCode: z.number().int().optional().describe("the receiver's HTTP status, when it answered"),
  error: z.string().optional().describe('why there was no answer (timeout, connection refused...)'),
  durationMs: z.number().int(),
  at: z.string().describe('ISO 8601'),
});
export type DeliveryAttemptView = z.infer<typeof deliveryAttemptViewSchema>;

export const deliveryViewSchema = z.object({
  id: z.string().describe('dlv_ and 32 hex characters; also sent as Concord-Delivery-Id'),
  eventId: z.string().describe('evt_ and 32 hex characters; the payload id and Concord-Event-Id'),
  event: z.enum(WEBHOOK_EVENTS),
  transferId: z.string().optional().describe('the transfer, for transfer.* events'),
  blockHeight: z.number().int().optional().describe('the block that finalized it, for transfer.* events'),
  instructionId: z.string().optional().describe('the settlement instruction, for settlement.* events'),
  accountId: z.string().optional().describe('the position account, for limit.* events'),
  status: z
    .enum(['pending', 'delivered', 'dead', 'cancelled'])
    .describe(
      'pending (attempts left), delivered (2xx), dead (every attempt failed), cancelled (webhook deleted)',
    ),
  attempts: z.number().int(),
  createdAt: z.string(),
  deliveredAt: z.string().optional(),
  attemptLog: z.array(deliveryAttemptViewSchema),
});
export type DeliveryView = Omit<z.infer<typeof deliveryViewSchema>, 'event' | 'status'> & {
  event: string;
  status: string;
};

export function toWebhookView(row: {
  id: string;
  url: string;
  events: string[];
  createdAt: Date;
}): WebhookView {
  return { id: row.id, url: row.url, events: row.events, createdAt: row.createdAt.toISOString() };
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
    event: row.event,
    ...subject,
    status: row.status,
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
