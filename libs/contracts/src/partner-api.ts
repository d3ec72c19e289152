import { z } from 'zod';
import {
  bookReconciliationRequestSchema,
  bookReportSchema,
  instructionDirectionSchema,
  instructionStatusSchema,
} from './clearing';
import { fxQuoteSchema, FxQuote } from './fx';
import { ID_PATTERN, transferBatchInstructionSchema, transferInstructionSchema } from './instructions';
import { blockHeaderSchema, transferStatusSchema } from './ledger';
import { partnerScreeningRequestSchema, partnerScreeningViewSchema } from './compliance';

/**
 * The partners' HTTP API (/v1), defined once: every request, query and view as a zod schema. The gateway
 * validates with these schemas and types its views with them, its OpenAPI document is generated from them
 * (PARTNER_API_ROUTES, PARTNER_API_COMPONENTS), and the SDK's types are their `z.infer`. Amounts are
 * decimal strings in the currency's exponent; times are ISO 8601 strings.
 */

const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code');
/**
 * The times a query may name: 1970-01-01 up to 9999-12-31 (UTC). Block times come from the Kafka log, so
 * no ledger time is before 1970; PostgreSQL's timestamps stop at year 0 (a 500, error 22008) and
 * JavaScript's dates run past PostgreSQL's last year, so a time outside this range is refused with a 400
 * naming its field before any query sees it.
 */
export const QUERY_TIME_MIN_MS = Date.UTC(1970, 0, 1);
export const QUERY_TIME_MAX_MS = Date.UTC(10_000, 0, 1) - 1;
const inQueryTimeRange = (ms: number): boolean => ms >= QUERY_TIME_MIN_MS && ms <= QUERY_TIME_MAX_MS;
const isoTime = z
  .string()
  // A string that is no time at all is named once, by the format check (abort skips the range check).
  .datetime({ offset: true, abort: true })
  .refine((t) => inQueryTimeRange(Date.parse(t)), 'a time from 1970-01-01 to 9999-12-31 (UTC)')
  .describe('ISO 8601 with an offset, from 1970-01-01 to 9999-12-31 (UTC)');
const pageLimit = z.coerce.number().int().min(1).max(200).default(50);
const decimal = (what: string) => z.string().describe(`${what}: decimal string in the currency exponent`);

// Pages

/**
 * The opaque cursor of the keyset-paginated lists (transfers, settlement instructions): the last row's
 * (created_at, id), as base64url JSON.
 */
export function encodePageCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

/** The row a cursor points after, or undefined for a cursor this API did not make. */
export function decodePageCursor(cursor: string): { createdAt: Date; id: string } | undefined {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const createdAt = new Date(at);
    // A partner can forge a cursor: its time is held to the range of query times, and its id may not
    // hold a NUL, which PostgreSQL's text refuses (a 500 otherwise).
    return typeof id === 'string' && !id.includes('\u0000') && inQueryTimeRange(createdAt.getTime())
      ? { createdAt, id }
      : undefined;
  } catch {
    return undefined;
  }
}

const pageCursor = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,200}$/, 'a cursor from a previous page')
  .refine((c) => decodePageCursor(c) !== undefined, 'a cursor from a previous page')
  .describe('nextCursor of the previous page');

/** `?wait=<ms>` of the transfer operations (capped by the gateway at GATEWAY_MAX_WAIT_MS). */
export const WAIT_MS_PATTERN = /^\d{1,6}$/;
export const waitQuerySchema = z.object({
  wait: z
    .string()
    .regex(WAIT_MS_PATTERN, 'a whole number of milliseconds')
    .optional()
    .describe('milliseconds to wait for the final state (at most GATEWAY_MAX_WAIT_MS)'),
});

/**
 * `?payer=<id>&wait=<ms>` of the operations on one transfer: a transfer is known by its payer and its id,
 * so the payee of transfers of several payers with one id names the payer (AMBIGUOUS_TRANSFER_ID
 * otherwise). Without it, the caller's own transfer with that id, else the one paid to it.
 */
export const transferQuerySchema = waitQuerySchema.extend({
  payer: z
    .string()
    .regex(ID_PATTERN, 'a participant id')
    .optional()
    .describe("whose transfer the id is, for a payee (default: the caller's own, else the one paid to it)"),
});

// Problems

/** RFC 9457 problem details, as every error of the API is answered. */
export const problemSchema = z.object({
  type: z.string().describe('https://concord.example/problems/<code in kebab case>'),
  title: z.string(),
  status: z.number().int(),
  code: z.string().describe('stable machine-readable code, e.g. INVALID_BODY'),
  detail: z.string().optional(),
  errors: z
    .array(z.object({ field: z.string().describe('e.g. transfers.3.amount'), message: z.string() }))
    .optional()
    .describe('the fields that are wrong'),
});
export type ProblemView = z.infer<typeof problemSchema>;

// Transfers

/**
 * A transfer's status as the API shows it: `accepted` until a block decides, then the ledger's status;
 * `held` while compliance reviews it (it goes to the ledger once released, or ends `rejected` with
 * `COMPLIANCE_REJECTED`).
 */
export const TRANSFER_VIEW_STATUSES = ['accepted', 'held', ...transferStatusSchema.options] as const;
export const transferViewStatusSchema = z.enum(TRANSFER_VIEW_STATUSES);
export type TransferViewStatus = z.infer<typeof transferViewStatusSchema>;

/** A transfer as the API shows it. */
export const transferViewSchema = z.object({
  id: z.string(),
  status: transferViewStatusSchema,
  reason: z.string().optional().describe("the ledger's reason code of a rejection"),
  payer: z.string(),
  payee: z.string(),
  amount: decimal('e.g. "125.50"'),
  currency: z.string().describe('ISO 4217'),
  twoPhase: z.boolean(),
  blockHeight: z.number().int().optional(),
  createdAt: z.string(),
  finalizedAt: z.string().optional(),
});
export type TransferView = z.infer<typeof transferViewSchema>;

/** `GET /v1/transfers?role&status&currency&from&to&limit&cursor`. */
export const transferListQuerySchema = z
  .object({
    role: z.enum(['payer', 'payee']).optional(),
    status: transferViewStatusSchema.optional(),
    currency: currencyCode.optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
    limit: pageLimit,
    cursor: pageCursor.optional(),
  })
  .strict();
export type TransferListQuery = z.input<typeof transferListQuerySchema>;

export const transferPageSchema = z.object({
  transfers: z.array(transferViewSchema),
  nextCursor: z.string().nullable().describe('the cursor of the next page; null on the last'),
});

export const transferBatchViewSchema = z.object({
  transfers: z.array(transferViewSchema).describe('in the order of the request'),
});

// Participants and accounts

export const participantViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string().describe('active, suspended or closed'),
  currencies: z.array(z.string()),
  keyId: z.string().describe('the key that signed this request'),
});
export type ParticipantView = z.infer<typeof participantViewSchema>;

export const accountViewSchema = z.object({
  id: z.string().describe('<participant>/<currency>, or with /settlement or /fees'),
  currency: z.string(),
  kind: z.string().describe('position, settlement or fees'),
  balance: decimal('the balance'),
  reserved: decimal('held by reserved two-phase transfers'),
  available: decimal('balance - reserved'),
  asOfHeight: z.number().int().describe('the last block applied'),
});
export type AccountView = z.infer<typeof accountViewSchema>;

export const accountListSchema = z.object({ accounts: z.array(accountViewSchema) });

export const balanceProofViewSchema = z.object({
  account: z.object({
    id: z.string(),
    balanceMinor: z.string(),
    reservedMinor: z.string(),
    balance: z.string(),
    currency: z.string(),
  }),
  proof: z
    .array(z.object({ hash: z.string(), left: z.boolean() }))
    .describe("the Merkle path from the account's leaf to the header's state root"),
  header: blockHeaderSchema,
  headerHash: z.string(),
  certificate: z.array(z.object({ signerId: z.string(), signature: z.string() })),
  signers: z.array(z.object({ id: z.string(), publicKey: z.string() })),
  quorum: z.number().int(),
});
export type BalanceProofView = z.infer<typeof balanceProofViewSchema>;

const signerSetViewSchema = z.object({
  fromHeight: z.number().int().describe('the first block this set votes on'),
  signers: z.array(z.object({ id: z.string(), publicKey: z.string().describe('Ed25519, 32 bytes hex') })),
  quorum: z.number().int(),
});

/** `GET /v1/ledger/genesis`: the first block, to compare with the genesis hash of the consortium agreement. */
export const genesisViewSchema = z.object({
  chainId: z.string(),
  header: blockHeaderSchema,
  headerHash: z.string().describe('SHA-256 of the canonical JSON of the header: pin it'),
  certificate: z.array(z.object({ signerId: z.string(), signature: z.string() })),
  signerSet: signerSetViewSchema,
});
export type GenesisView = z.infer<typeof genesisViewSchema>;

/** `GET /v1/ledger/signer-sets`: every signer set of the chain, in height order. */
export const signerSetListSchema = z.object({ signerSets: z.array(signerSetViewSchema) });
export type SignerSetList = z.infer<typeof signerSetListSchema>;

// Quotes

/** `POST /v1/quotes`: exactly one of sendAmount (source currency) or receiveAmount (target currency). */
export const quoteRequestSchema = z
  .object({
    sourceCurrency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD'),
    targetCurrency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD'),
    sendAmount: z.string().max(40).optional(),
    receiveAmount: z.string().max(40).optional(),
    payee: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,64}$/)
      .optional(),
  })
  .strict()
  .refine((q) => (q.sendAmount === undefined) !== (q.receiveAmount === undefined), {
    message: 'give exactly one of sendAmount and receiveAmount',
    path: ['sendAmount'],
  });
export type QuoteRequest = z.input<typeof quoteRequestSchema>;

/** One reference rate behind a quote (or a refused one). */
export const quoteRateLegSchema = z
  .object({
    pair: z.string().describe('the stored rate used, e.g. USD/PHP (a cross rate has two legs)'),
    source: z.string(),
    asOf: z.string().describe('ISO time the provider says the rate is as of'),
    ageMs: z.number().int().describe('its age when the quote was asked for'),
    maxAgeMs: z.number().int().describe('older than this, the rate is stale and no quote is given on it'),
    stale: z.boolean(),
  })
  .strict();
export type QuoteRateLeg = z.infer<typeof quoteRateLegSchema>;

/** The rates a quote rests on: where they came from, how old they are, and whether they are ageing. */
export const quoteRateViewSchema = z
  .object({
    source: z.string().describe("the rates' source (the quote's rateSource)"),
    asOf: z.string().describe('ISO as-of time of the oldest rate behind the quote (its rateAsOfMs)'),
    ageMs: z.number().int().describe('age of the oldest rate when the quote was made'),
    maxAgeMs: z.number().int().nullable().describe('the age past which rates are stale'),
    ageing: z
      .boolean()
      .describe(
        "true when the FX service's last rate refresh failed: the quote rests on the last good rates, " +
          'which keep ageing until they are refused as stale',
      ),
    lastRefreshAt: z.string().nullable().describe('ISO time of the last successful rate refresh'),
    legs: z.array(quoteRateLegSchema),
  })
  .strict();
export type QuoteRateView = z.infer<typeof quoteRateViewSchema>;

/** The total cost in its parts: principal + spread + fee = totalCost, and the three fee parts = fee. */
export const quoteBreakdownViewSchema = z
  .object({
    currency: z.string().describe('the source currency: every amount below is in it'),
    principal: z.string().describe('what is converted at the mid rate (send amount less spread)'),
    spread: z.string().describe('the margin of spread and markup over the mid rate'),
    feeFixed: z.string(),
    feePercentage: z.string().describe('feePercentBps of the send amount, rounded up'),
    feePercentBps: z.number().int(),
    feeAdjustment: z
      .string()
      .describe("what the fee schedule's minimum added (positive) or its maximum took off (negative)"),
    fee: z.string().describe('feeFixed + feePercentage + feeAdjustment'),
    totalCost: z.string().describe('principal + spread + fee: what the payer pays'),
  })
  .strict();
export type QuoteBreakdownView = z.infer<typeof quoteBreakdownViewSchema>;

/** The answer to `POST /v1/quotes`. */
export const quoteAnswerSchema = z
  .object({
    quote: fxQuoteSchema.describe(
      'the signed quote: put it, exactly as it is, as `quote` of the transfer (its send amount as `amount`)',
    ),
    rate: quoteRateViewSchema,
    breakdown: quoteBreakdownViewSchema
      .nullable()
      .describe(
        'decimal strings in the source currency exponent; principal + spread + fee = totalCost exactly; ' +
          'null only when an older FX service did not send the parts',
      ),
  })
  .strict();
/** The answer to `POST /v1/quotes`, with the quote's type as the reader holds it (the SDK's is looser). */
export type QuoteAnswer<Q = FxQuote> = Omit<z.infer<typeof quoteAnswerSchema>, 'quote'> & { quote: Q };

/** What a quote refused for stale rates adds to its problem: the rates behind the corridor. */
export const quoteRatesProblemSchema = problemSchema.extend({
  rates: z
    .object({
      stale: z.boolean(),
      ageing: z.boolean().describe("the FX service's last rate refresh failed"),
      legs: z.array(quoteRateLegSchema),
    })
    .strict(),
});

// Settlement instructions

/** Bank references: the clearing operator API's alphabet, so that one reference reads the same everywhere. */
export const BANK_REFERENCE = /^[A-Za-z0-9._:/-]{1,64}$/;

/** `GET /v1/settlement-instructions?window&currency&status&limit&cursor`. */
export const settlementInstructionListQuerySchema = z
  .object({
    window: z.coerce.number().int().min(1).max(2_147_483_647).optional().describe('a window id'),
    currency: currencyCode.optional(),
    status: instructionStatusSchema.optional(),
    limit: pageLimit,
    cursor: pageCursor.optional(),
  })
  .strict();
export type SettlementInstructionListQuery = z.input<typeof settlementInstructionListQuerySchema>;

/** `POST /v1/settlement-instructions/{id}/confirmations`: what the participant's bank statement says. */
export const createConfirmationSchema = z
  .object({
    bankReference: z
      .string()
      .regex(BANK_REFERENCE, 'letters, digits and . _ : / - only, 1 to 64')
      .describe("the settlement bank's reference of the payment; one confirmation per reference"),
    amount: z
      .string()
      .max(40)
      .describe('decimal string in the currency exponent: all or part of what is outstanding'),
  })
  .strict();
export type CreateConfirmation = z.infer<typeof createConfirmationSchema>;

export const confirmationViewSchema = z.object({
  bankReference: z.string(),
  amount: z.string().describe('decimal string in the currency exponent'),
  status: z
    .enum(['requested', 'confirmed', 'reversed', 'refused'])
    .describe(
      'requested: sent by the participant, not yet recorded by clearing; confirmed; reversed (undone by an ' +
        'operator); refused: clearing did not record it (`refusal` says why)',
    ),
  source: z.enum(['operator', 'participant']).describe('who recorded it'),
  requestedAt: z.string().optional().describe("the participant's request, ISO 8601"),
  confirmedAt: z.string().optional(),
  reversedAt: z.string().optional(),
  refusal: z
    .object({ code: z.string(), detail: z.string() })
    .optional()
    .describe(
      "the clearing service's code: OVER_CONFIRMATION, CONFIRMATION_CONFLICT, WINDOW_NOT_SETTLING, ...",
    ),
});
export type ConfirmationView = z.infer<typeof confirmationViewSchema>;

/** The fields a settlement instruction shows everywhere (list, detail, webhook). */
const instructionFields = {
  id: z.string().describe('the instruction id of the clearing service, e.g. w7.hk-remit'),
  windowId: z.number().int().describe('the settlement window it settles'),
  participantId: z.string().describe('the partner that pays in or is paid out'),
  currency: z.string().describe('ISO 4217'),
  direction: instructionDirectionSchema.describe(
    'pay-in: the partner pays its net debit; pay-out: it is paid its net credit',
  ),
  amount: decimal('e.g. "970.00"'),
  confirmed: z.string().describe('confirmed by the settlement bank so far, reversals deducted'),
  outstanding: z.string().describe('amount - confirmed; 0 once cancelled'),
  valueDate: z.string().describe('YYYY-MM-DD'),
  status: instructionStatusSchema,
  carriedToWindowId: z
    .number()
    .int()
    .optional()
    .describe('cancelled: its window was aborted and its positions carried into this window'),
};

export const settlementInstructionViewSchema = z.object({
  ...instructionFields,
  createdAt: z.string().describe('when the clearing service published it'),
  updatedAt: z.string(),
});
export type SettlementInstructionView = z.infer<typeof settlementInstructionViewSchema>;

export const settlementInstructionDetailViewSchema = settlementInstructionViewSchema.extend({
  confirmations: z.array(confirmationViewSchema).describe('oldest first'),
});
export type SettlementInstructionDetailView = z.infer<typeof settlementInstructionDetailViewSchema>;

export const settlementInstructionPageSchema = z.object({
  instructions: z.array(settlementInstructionViewSchema),
  nextCursor: z.string().nullable().describe('the cursor of the next page; null on the last'),
});

/** A settlement instruction as a settlement webhook shows it. */
export const settlementInstructionEventViewSchema = z.object({
  ...instructionFields,
  confirmation: z
    .object({ bankReference: z.string(), amount: z.string() })
    .optional()
    .describe('the confirmation this event added (confirmed) or took back (reversed)'),
});
export type SettlementInstructionEventView = z.infer<typeof settlementInstructionEventViewSchema>;

/** A limit alarm (or its clearing) of a position account as a webhook shows it. */
export const limitAlarmViewSchema = z.object({
  accountId: z.string().describe('the position account, e.g. hk-remit/USD'),
  participantId: z.string(),
  currency: z.string().describe('ISO 4217'),
  position: z.string().describe('balance - reserved after the block, decimal string (negative: owed)'),
  cap: z.string().describe('the net debit cap of the account, decimal string'),
  threshold: z.string().describe('-(cap x alarm share): limit.alarm fires below it, limit.cleared above'),
  blockHeight: z.number().int().describe('the block whose balances crossed it'),
});
export type LimitAlarmView = z.infer<typeof limitAlarmViewSchema>;

// Statements

/** `GET /v1/statements?account&from&to`. */
export const statementQuerySchema = z
  .object({
    account: z
      .string()
      .regex(
        /^[A-Za-z0-9._:-]{1,64}\/[A-Z]{3}(\/(settlement|fees))?$/,
        '<participant>/<currency>[/settlement|/fees], e.g. hk-remit/USD',
      )
      .describe(
        'one of your own accounts: <participant>/<currency> (position), or with /settlement or /fees',
      ),
    from: isoTime.describe('start of the window (inclusive), by block time, ISO 8601'),
    to: isoTime.describe('end of the window (exclusive), by block time, ISO 8601'),
  })
  .strict()
  .refine(
    (q) => {
      // Only when both are dates: otherwise their own issues say what is wrong.
      const from = Date.parse(String(q.from));
      const to = Date.parse(String(q.to));
      return Number.isNaN(from) || Number.isNaN(to) || from < to;
    },
    { message: 'must be after from', path: ['to'] },
  );
export type StatementQuery = z.input<typeof statementQuerySchema>;

/** The statement as JSON (amounts as signed decimal strings in the currency exponent). */
export const statementViewSchema = z.object({
  id: z
    .string()
    .describe('the statement id (also camt.053 MsgId and Stmt/Id); the same for the same window and height'),
  account: z.string().describe('<participant>/<currency>'),
  currency: z.string(),
  from: z.string().describe('start of the window (inclusive), by block time'),
  to: z.string().describe('end of the window (exclusive), by block time'),
  createdAt: z.string(),
  asOfHeight: z.number().int().describe('the last finalized block included'),
  openingBalance: z.string().describe('the balance before the first block at or after `from`'),
  closingBalance: z.string().describe('openingBalance + credits - debits of the window'),
  totals: z.object({
    credits: z.object({ count: z.number().int(), amount: z.string() }),
    debits: z.object({ count: z.number().int(), amount: z.string() }),
  }),
  entries: z.array(
    z.object({
      transferId: z
        .string()
        .describe(
          "the payer's id of the transfer (with `:fee`, `:spread` or `:scheme-fee` for those legs), or a settlement posting's id",
        ),
      payer: z
        .string()
        .optional()
        .describe("the payer of the transfer: an id is unique among one payer's transfers only"),
      direction: z.enum(['debit', 'credit']),
      amount: z.string(),
      counterparty: z.string(),
      status: z.enum(['committed', 'fulfilled']),
      blockHeight: z.number().int(),
      bookedAt: z.string().describe('block time'),
      balanceAfter: z.string(),
    }),
  ),
});
export type StatementView = z.infer<typeof statementViewSchema>;

// Webhooks

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

/** The events a partner can subscribe to. */
export const WEBHOOK_EVENTS = [...TRANSFER_EVENTS, ...SETTLEMENT_EVENTS, ...LIMIT_EVENTS] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead', 'cancelled'] as const;

/**
 * What a subscription receives: the JSON events, or ISO 20022 messages for transfer events (pacs.002
 * status reports, camt.054 notifications of the payee's credit; see docs/api.md); other events stay JSON.
 */
export const WEBHOOK_FORMATS = ['json', 'iso20022'] as const;

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
    format: z
      .enum(WEBHOOK_FORMATS)
      .default('json')
      .describe('json, or iso20022: transfer events as pacs.002 / camt.054 XML (application/xml)'),
  })
  .strict();
export type CreateWebhook = z.input<typeof createWebhookSchema>;

/** `GET /v1/webhooks/{id}/deliveries?limit&status`. */
export const deliveriesQuerySchema = z
  .object({
    limit: pageLimit,
    status: z.enum(DELIVERY_STATUSES).optional(),
  })
  .strict();
export type DeliveriesQuery = z.input<typeof deliveriesQuerySchema>;

export const webhookViewSchema = z.object({
  id: z.string().describe('wh_ and 32 hex characters'),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENTS)),
  format: z.enum(WEBHOOK_FORMATS),
  createdAt: z.string().describe('ISO 8601'),
});
export type WebhookView = z.infer<typeof webhookViewSchema>;

export const createdWebhookViewSchema = webhookViewSchema.extend({
  secret: z
    .string()
    .describe('The HMAC-SHA256 key of the payload signatures (its UTF-8 bytes). Shown once, never again.'),
});
export type CreatedWebhookView = z.infer<typeof createdWebhookViewSchema>;

export const webhookListSchema = z.object({ webhooks: z.array(webhookViewSchema) });

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
    .enum(DELIVERY_STATUSES)
    .describe(
      'pending (attempts left), delivered (2xx), dead (every attempt failed), cancelled (webhook deleted)',
    ),
  attempts: z.number().int(),
  createdAt: z.string(),
  deliveredAt: z.string().optional(),
  attemptLog: z.array(deliveryAttemptViewSchema),
});
export type DeliveryView = z.infer<typeof deliveryViewSchema>;

export const deliveryListSchema = z.object({ deliveries: z.array(deliveryViewSchema) });

const eventId = z
  .string()
  .describe('the event id (evt_...), also in Concord-Event-Id; the same on every attempt');

/** The body of a transfer webhook request. */
export const transferWebhookEventSchema = z.object({
  id: eventId,
  type: z.enum(TRANSFER_EVENTS),
  createdAt: z.string().describe('block time of the block that finalized the state'),
  data: transferViewSchema,
});

/** The body of a settlement webhook request. */
export const settlementWebhookEventSchema = z.object({
  id: eventId,
  type: z.enum(SETTLEMENT_EVENTS),
  createdAt: z.string().describe('when the clearing service published the event'),
  data: settlementInstructionEventViewSchema,
});

/** The body of a limit alarm webhook request. */
export const limitWebhookEventSchema = z.object({
  id: eventId,
  type: z.enum(LIMIT_EVENTS),
  createdAt: z.string().describe('when the clearing service published the event'),
  data: limitAlarmViewSchema,
});

/** The body of any webhook request (verify its Concord-Signature first). */
export type WebhookEvent =
  | z.infer<typeof transferWebhookEventSchema>
  | z.infer<typeof settlementWebhookEventSchema>
  | z.infer<typeof limitWebhookEventSchema>;

// The routes

/**
 * The schemas the OpenAPI document names as components (`#/components/schemas/<name>`): the views that
 * several operations or callbacks share.
 */
export const PARTNER_API_COMPONENTS = {
  Problem: problemSchema,
  Transfer: transferViewSchema,
  WebhookEvent: transferWebhookEventSchema,
  SettlementWebhookEvent: settlementWebhookEventSchema,
  LimitWebhookEvent: limitWebhookEventSchema,
} as const;

/** What one operation takes and answers: query, JSON body and the JSON body of each success status. */
export interface PartnerApiRoute {
  query?: z.ZodType;
  body?: z.ZodType;
  responses: Record<string, z.ZodType | null>;
}

/**
 * Every operation of /v1 by `<method> <path>` (OpenAPI's path template): the one description of its
 * JSON the gateway validates with and the OpenAPI document is generated from. A response of `null` has
 * no body.
 */
export const PARTNER_API_ROUTES = {
  'post /v1/transfers': {
    query: waitQuerySchema,
    body: transferInstructionSchema,
    responses: { '200': transferViewSchema, '201': transferViewSchema, '202': transferViewSchema },
  },
  'get /v1/transfers': { query: transferListQuerySchema, responses: { '200': transferPageSchema } },
  'get /v1/transfers/{id}': { query: transferQuerySchema, responses: { '200': transferViewSchema } },
  'post /v1/transfers/{id}/fulfil': {
    query: transferQuerySchema,
    responses: { '200': transferViewSchema, '202': transferViewSchema },
  },
  'post /v1/transfers/{id}/abort': {
    query: transferQuerySchema,
    responses: { '200': transferViewSchema, '202': transferViewSchema },
  },
  'post /v1/transfer-batches': {
    query: waitQuerySchema,
    body: transferBatchInstructionSchema,
    responses: {
      '200': transferBatchViewSchema,
      '201': transferBatchViewSchema,
      '202': transferBatchViewSchema,
    },
  },
  'get /v1/participants/me': { responses: { '200': participantViewSchema } },
  'get /v1/accounts': { responses: { '200': accountListSchema } },
  'get /v1/accounts/{participant}/{currency}/proof': { responses: { '200': balanceProofViewSchema } },
  'get /v1/accounts/{participant}/{currency}/{kind}/proof': {
    responses: { '200': balanceProofViewSchema },
  },
  'get /v1/ledger/genesis': { responses: { '200': genesisViewSchema } },
  'get /v1/ledger/signer-sets': { responses: { '200': signerSetListSchema } },
  'post /v1/quotes': { body: quoteRequestSchema, responses: { '201': quoteAnswerSchema } },
  'post /v1/screenings': {
    body: partnerScreeningRequestSchema,
    responses: { '200': partnerScreeningViewSchema },
  },
  'get /v1/settlement-instructions': {
    query: settlementInstructionListQuerySchema,
    responses: { '200': settlementInstructionPageSchema },
  },
  'get /v1/settlement-instructions/{id}': { responses: { '200': settlementInstructionDetailViewSchema } },
  'post /v1/settlement-instructions/{id}/confirmations': {
    body: createConfirmationSchema,
    responses: { '200': settlementInstructionDetailViewSchema, '202': settlementInstructionDetailViewSchema },
  },
  'get /v1/statements': { query: statementQuerySchema, responses: { '200': statementViewSchema } },
  'post /v1/books/reconciliations': {
    body: bookReconciliationRequestSchema,
    responses: { '200': bookReportSchema },
  },
  'post /v1/webhooks': { body: createWebhookSchema, responses: { '201': createdWebhookViewSchema } },
  'get /v1/webhooks': { responses: { '200': webhookListSchema } },
  'delete /v1/webhooks/{id}': { responses: { '204': null } },
  'get /v1/webhooks/{id}/deliveries': {
    query: deliveriesQuerySchema,
    responses: { '200': deliveryListSchema },
  },
} satisfies Record<string, PartnerApiRoute>;
export type PartnerApiOperation = keyof typeof PARTNER_API_ROUTES;
