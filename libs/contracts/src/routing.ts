import { z } from 'zod';
import { fxQuoteSchema } from './fx';
import { deliveryAttemptViewSchema, DELIVERY_STATUSES } from './partner-api';
import { ID_PATTERN } from './ids';

/**
 * The routing service's API (apps/routing): payout partners' offers, corridors, ranked routes and orders of
 * consumer remittance apps. Every request is signed as the partner API's are (RFC 9421 profile). Amounts are
 * decimal strings in major units of their currency ("3000.00"); the service works in bigint minor units.
 */
const id = z.string().regex(ID_PATTERN, 'letters, digits and . _ : - only, at most 64');
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as PHP');
const country = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as PH');
const amount = z.string().max(40).describe('a decimal string in major units, e.g. "3000.00"');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a UTC time HH:MM');

export const PAYOUT_METHODS = ['bank', 'cash', 'wallet'] as const;
export const payoutMethodSchema = z.enum(PAYOUT_METHODS);
export type PayoutMethod = z.infer<typeof payoutMethodSchema>;

/** The most a partner's percentage fee may be, in basis points. */
export const ROUTING_MAX_FEE_BPS = 2000;
/** Promised delivery times are bounded so that no order waits on a partner for longer than a day. */
export const ROUTING_MAX_DELIVERY_MS = 24 * 3600 * 1000;

export const corridorSchema = z
  .object({
    sendCurrency: currency,
    destinationCountry: country,
    destinationCurrency: currency,
  })
  .strict();
export type Corridor = z.infer<typeof corridorSchema>;

/**
 * `POST /v1/offers/{offerId}` by a payout partner: each publication makes a new version; the latest is in force.
 * The fee is taken from the payout, in the destination currency: `fixed` plus `bps` of the payout amount.
 */
export const offerSchema = z
  .object({
    corridor: corridorSchema,
    methods: z.array(payoutMethodSchema).min(1).max(3),
    fee: z.object({ fixed: amount, bps: z.number().int().min(0).max(ROUTING_MAX_FEE_BPS) }).strict(),
    /** Per order, in the destination currency (what the partner pays out). */
    minAmount: amount,
    maxAmount: amount,
    /** The daily window in which it takes orders, UTC; absent means always. `to` before `from` wraps midnight. */
    hours: z.object({ from: hhmm, to: hhmm }).strict().optional(),
    /** How long after the reservation the partner promises the payout. */
    deliveryMs: z.number().int().min(1000).max(ROUTING_MAX_DELIVERY_MS),
    /** The most it takes in flight (reserved, not yet paid out), destination currency; absent means no bound. */
    capacity: amount.optional(),
  })
  .strict();
export type OfferInput = z.infer<typeof offerSchema>;

export const offerViewSchema = offerSchema.extend({
  offerId: id,
  partnerId: id,
  version: z.number().int().positive(),
  active: z.boolean(),
  createdAt: z.string(),
});
export type OfferView = z.infer<typeof offerViewSchema>;

export const corridorViewSchema = corridorSchema.extend({
  methods: z.array(payoutMethodSchema),
  minAmount: amount.describe('the smallest payout any offer takes, destination currency'),
  maxAmount: amount.describe('the largest payout any offer takes, destination currency'),
  partners: z.number().int(),
  fastestDeliveryMs: z.number().int(),
});
export type CorridorView = z.infer<typeof corridorViewSchema>;

export const ROUTING_STRATEGIES = ['cheapest', 'success-rate', 'balanced', 'split'] as const;
export const routingStrategySchema = z.enum(ROUTING_STRATEGIES);
export type RoutingStrategy = z.infer<typeof routingStrategySchema>;

/** An app's own rule: prefer or avoid a partner when the payout amount is within bounds. */
export const appRuleSchema = z
  .object({
    partner: id,
    action: z.enum(['prefer', 'avoid']),
    /** Destination currency bounds of the payout for the rule to apply (both optional). */
    minAmount: amount.optional(),
    maxAmount: amount.optional(),
  })
  .strict();
export type AppRule = z.infer<typeof appRuleSchema>;

/** `POST /v1/routes`: exactly one of sendAmount (send currency) or receiveAmount (destination currency). */
export const routeRequestSchema = z
  .object({
    sendCurrency: currency,
    destinationCountry: country,
    destinationCurrency: currency,
    method: payoutMethodSchema,
    sendAmount: amount.optional(),
    receiveAmount: amount.optional(),
    strategy: routingStrategySchema.optional(),
    /** For `split`: the share of orders per partner, in percent. */
    split: z.record(id, z.number().int().min(0).max(100)).optional(),
    rules: z.array(appRuleSchema).max(20).optional(),
    /** At most this many options (default 3). */
    limit: z.number().int().min(1).max(10).optional(),
  })
  .strict()
  .refine((r) => (r.sendAmount === undefined) !== (r.receiveAmount === undefined), {
    message: 'give exactly one of sendAmount and receiveAmount',
    path: ['sendAmount'],
  });
export type RouteRequest = z.infer<typeof routeRequestSchema>;

export const costPartsSchema = z
  .object({
    fxSpread: amount.describe('what the FX rate takes against the mid rate, send currency'),
    partnerFee: amount.describe("the payout partner's fee, converted to the send currency"),
    networkFee: amount.describe('the FX fee and the scheme fee, send currency'),
  })
  .strict();

export const routeOptionSchema = z
  .object({
    optionId: id,
    rank: z.number().int().positive(),
    partner: id,
    offerId: id,
    offerVersion: z.number().int(),
    method: payoutMethodSchema,
    sendCurrency: currency,
    destinationCurrency: currency,
    /** What the sender pays in all (send amount plus fees), send currency. */
    sendAmount: amount,
    recipientAmount: amount,
    totalCost: amount.describe('the sum of costParts, send currency'),
    costBps: z.number().int().describe('totalCost against the value sent, basis points'),
    costParts: costPartsSchema,
    expectedDeliveryMs: z.number().int(),
    successRate: z.number().describe('recent payout success of the partner in this currency, 0..1'),
    explanation: z.string(),
    expiresAt: z.string(),
    /** The FX service's signed quote when the currencies differ. */
    quote: fxQuoteSchema.nullable(),
  })
  .strict();
export type RouteOptionView = z.infer<typeof routeOptionSchema>;

export const routesAnswerSchema = z
  .object({ strategy: routingStrategySchema, options: z.array(routeOptionSchema) })
  .strict();
export type RoutesAnswer = z.infer<typeof routesAnswerSchema>;

const partySchema = z
  .object({
    name: z.string().min(1).max(140),
    country: country.optional(),
    /** Where the money goes: an account number, a wallet id or a pickup reference. */
    account: z.string().min(1).max(64).optional(),
    dateOfBirth: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
  })
  .strict();

/** What the app does when a reroute costs the sender more than the price shown. */
export const reroutePolicySchema = z
  .object({
    /** Absorb an extra cost up to this many basis points of the value sent; above, cancel. */
    absorbUpToBps: z.number().int().min(0).max(1000).optional(),
    /** At most this many partners are tried (default ROUTING_MAX_ATTEMPTS). */
    maxAttempts: z.number().int().min(1).max(5).optional(),
  })
  .strict();
export type ReroutePolicy = z.infer<typeof reroutePolicySchema>;

/** `POST /v1/orders` (`idempotencyKey`, else the Idempotency-Key header): an option of a routes answer, or `auto`. */
export const orderRequestSchema = z
  .object({
    idempotencyKey: id.optional(),
    option: z.union([z.literal('auto'), id]),
    /** With `auto`: the route to price now. */
    route: routeRequestSchema.optional(),
    sender: partySchema,
    recipient: partySchema,
    policy: reroutePolicySchema.optional(),
  })
  .strict()
  .refine((o) => o.option !== 'auto' || o.route !== undefined, {
    message: 'required when option is auto',
    path: ['route'],
  });
export type OrderRequest = z.infer<typeof orderRequestSchema>;

export const ORDER_STATES = [
  'created',
  'routed',
  'reserved',
  'paid_out',
  'rerouted',
  'failed',
  'refunded',
] as const;
export const orderStateSchema = z.enum(ORDER_STATES);
export type OrderState = z.infer<typeof orderStateSchema>;

export const ATTEMPT_STATES = [
  'prepared',
  'submitted',
  'reserved',
  'fulfilled',
  'aborted',
  'expired',
  'rejected',
] as const;
export type AttemptState = (typeof ATTEMPT_STATES)[number];

export const orderAttemptViewSchema = z
  .object({
    n: z.number().int(),
    partner: id,
    offerId: id,
    transferId: id,
    state: z.enum(ATTEMPT_STATES),
    reason: z.string().nullable(),
    recipientAmount: amount,
    totalCost: amount,
    deadlineAt: z.string(),
    createdAt: z.string(),
  })
  .strict();

export const orderViewSchema = z
  .object({
    id,
    idempotencyKey: id,
    state: orderStateSchema,
    sendCurrency: currency,
    destinationCurrency: currency,
    recipientAmount: amount,
    totalCost: amount,
    reason: z.string().nullable(),
    attempts: z.array(orderAttemptViewSchema),
    history: z.array(z.object({ state: z.string(), detail: z.string().nullable(), at: z.string() })),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .strict();
export type OrderView = z.infer<typeof orderViewSchema>;

/** `GET /v1/orders?state=&partner=&from=&to=&limit=&cursor=`. */
export const orderListQuerySchema = z
  .object({
    state: orderStateSchema.optional(),
    partner: id.optional(),
    from: z.string().datetime().optional(),
    to: z.string().datetime().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();
export type OrderListQuery = z.infer<typeof orderListQuerySchema>;

/** Order webhook events: one per state an order enters (`order.paid_out`...). */
export const ORDER_EVENTS = ORDER_STATES.map((s) => `order.${s}` as const);
export const orderEventTypeSchema = z.enum(ORDER_EVENTS);
export type OrderEventType = z.infer<typeof orderEventTypeSchema>;

function isPlainHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol, hostname, username, password } = new URL(value);
  return ['http:', 'https:'].includes(protocol) && hostname !== '' && username + password === '';
}

/** `POST /v1/webhooks` of routing: where the app's order events go; no `events`: all of them. */
export const createOrderWebhookSchema = z
  .object({
    url: z.string().max(2048).refine(isPlainHttpUrl, 'an absolute http(s) URL without user or password'),
    events: z
      .array(orderEventTypeSchema)
      .min(1)
      .max(ORDER_EVENTS.length)
      .refine((e) => new Set(e).size === e.length, 'each event at most once')
      .optional(),
  })
  .strict();
export type CreateOrderWebhook = z.infer<typeof createOrderWebhookSchema>;

export const orderWebhookViewSchema = z
  .object({ id: z.string(), url: z.string(), events: z.array(orderEventTypeSchema), createdAt: z.string() })
  .strict();
export type OrderWebhookView = z.infer<typeof orderWebhookViewSchema>;

/** The answer of a new subscription: its HMAC-SHA256 secret is shown this once. */
export const createdOrderWebhookViewSchema = orderWebhookViewSchema.extend({ secret: z.string() }).strict();
export type CreatedOrderWebhookView = z.infer<typeof createdOrderWebhookViewSchema>;

/** `GET /v1/webhooks/{id}/deliveries?status=&limit=`: `status=dead` lists the dead letters. */
export const orderWebhookDeliveriesQuerySchema = z
  .object({
    status: z.enum(DELIVERY_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const orderWebhookDeliveryViewSchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    event: orderEventTypeSchema,
    orderId: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    log: z.array(deliveryAttemptViewSchema),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
  })
  .strict();
export type OrderWebhookDeliveryView = z.infer<typeof orderWebhookDeliveryViewSchema>;

/**
 * The body of an order webhook request (verify `Concord-Signature` over the raw body first): the event
 * (`state` is the state the order entered, with its `detail`) and the order as it stood when the event was
 * sent, which may be further on.
 */
export const orderWebhookEventSchema = z
  .object({
    id: z.string(),
    type: orderEventTypeSchema,
    createdAt: z.string(),
    orderId: z.string(),
    state: orderStateSchema,
    detail: z.string().nullable(),
    order: orderViewSchema,
  })
  .strict();
export type OrderWebhookEvent = z.infer<typeof orderWebhookEventSchema>;
