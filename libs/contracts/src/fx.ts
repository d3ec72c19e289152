import { z } from 'zod';
import { canonicalJson, verifyBytes } from '@concord/crypto';
import { currencyExponent, divRound, formatAmount, isCurrency } from '@concord/money';
import { ID_PATTERN } from './ids';

/**
 * Messages of the FX service and its signed quotes.
 *
 * A quote is signed by the FX service's Ed25519 key over `quoteSigningPayload(quote)`: canonical JSON (RFC
 * 8785) of a fixed projection of its fields, amounts as strings of minor units and rates as exact integer
 * ratios. `checkQuote` is pure (no clock, no I/O: the caller passes the time, the ledger its block time),
 * so every ledger signer reaches the same verdict on the same quote. Single use is NOT something a quote
 * can prove about itself: the ledger must record every quote id it accepted and refuse a second use.
 */
const id = z.string().regex(ID_PATTERN, 'letters, digits and . _ : - only, at most 64');
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD');
const positiveMinor = z.string().regex(/^[1-9]\d{0,17}$/, 'a positive integer of minor units as a string');
const minor = z.string().regex(/^(0|[1-9]\d{0,17})$/, 'an integer of minor units as a string');
const ratioPart = z.string().regex(/^[1-9]\d{0,79}$/, 'a positive integer as a string');
const decimal = z.string().regex(/^(0|[1-9]\d*)(\.\d+)?$/, 'a plain non-negative decimal string');
const msTime = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const bps = z.number().int().min(0).max(10_000);

/** The most a corridor spread or a partner markup may be, in basis points (together they stay below 100%). */
export const FX_MAX_SPREAD_BPS = 3000;
export const FX_MAX_MARKUP_BPS = 3000;
/** The most a fee schedule's percentage may be, in basis points. */
export const FX_MAX_FEE_BPS = 2000;

/** An exact rate: `num / den` units of the target (quote) currency per unit of the source, in major units. */
export const fxRatioSchema = z
  .object({
    num: ratioPart,
    den: ratioPart,
    /** The same rate as a decimal, rounded down to at most FX_RATE_DECIMALS places: display only. */
    decimal,
  })
  .strict();
export type FxRatio = z.infer<typeof fxRatioSchema>;

/** Decimal places of the display form of a rate (`FxRatio.decimal`). */
export const FX_RATE_DECIMALS = 12;

/**
 * How every quote rounds, always in the FX provider's favour: the payee's amount is rounded down, the
 * payer's amount (for a fixed receive amount) and the fee are rounded up.
 */
export const FX_QUOTE_ROUNDING = { receive: 'floor', send: 'ceil', fee: 'ceil' } as const;

export const fxQuoteSchema = z
  .object({
    v: z.literal(1),
    id,
    /** Which FX signing key signed it. */
    keyId: id,
    /** The participant that takes the other side of the conversion (receives the source, pays the target). */
    fxProvider: id,
    sourceCurrency: currency,
    targetCurrency: currency,
    /** The partners the quote is for; null when the quote was asked for without them. */
    payer: id.nullable(),
    payee: id.nullable(),
    /** Which amount the requester fixed: the one it sends, or the one the payee receives. */
    fixedSide: z.enum(['send', 'receive']),
    /** What is converted, in the source currency. */
    sendAmountMinor: positiveMinor,
    /** What the payee gets, in the target currency. */
    receiveAmountMinor: positiveMinor,
    /** The fee, in the source currency, on top of the send amount. */
    feeMinor: minor,
    /** sendAmountMinor + feeMinor: what the payer pays, in the source currency. */
    totalCostMinor: positiveMinor,
    /** Display forms of the four amounts (formatAmount of the minor units). */
    sendAmount: decimal,
    receiveAmount: decimal,
    fee: decimal,
    totalCost: decimal,
    /** The customer rate: the mid rate less the spread and the markup. */
    rate: fxRatioSchema,
    /** The reference (mid) rate, possibly crossed through a pivot currency. */
    midRate: fxRatioSchema,
    spreadBps: bps,
    markupBps: bps,
    rounding: z
      .object({ receive: z.literal('floor'), send: z.literal('ceil'), fee: z.literal('ceil') })
      .strict(),
    /** Where the mid rate came from, and the as-of time of its oldest leg. */
    rateSource: z.string().min(1).max(200),
    rateAsOfMs: msTime,
    createdAtMs: msTime,
    /** The quote can be used while the time (for the ledger: the block time) is before this. */
    expiresAtMs: msTime,
    /** Ed25519 over quoteSigningPayload(quote), base64url. */
    signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'a base64url Ed25519 signature'),
  })
  .strict();
export type FxQuote = z.infer<typeof fxQuoteSchema>;
export type UnsignedFxQuote = Omit<FxQuote, 'signature'>;

/** Separates quote signatures from anything else the same key might ever sign. */
export const FX_QUOTE_SIGNING_DOMAIN = 'concord/fx-quote/v1';

/**
 * The exact bytes (as a string) the FX service signs: canonical JSON of the fields that matter for money.
 * The display strings are left out; checkQuote checks them against the signed minor units instead.
 */
export function quoteSigningPayload(quote: UnsignedFxQuote): string {
  return canonicalJson({
    domain: FX_QUOTE_SIGNING_DOMAIN,
    v: quote.v,
    id: quote.id,
    keyId: quote.keyId,
    fxProvider: quote.fxProvider,
    sourceCurrency: quote.sourceCurrency,
    targetCurrency: quote.targetCurrency,
    payer: quote.payer,
    payee: quote.payee,
    fixedSide: quote.fixedSide,
    sendAmountMinor: quote.sendAmountMinor,
    receiveAmountMinor: quote.receiveAmountMinor,
    feeMinor: quote.feeMinor,
    totalCostMinor: quote.totalCostMinor,
    rate: { num: quote.rate.num, den: quote.rate.den },
    midRate: { num: quote.midRate.num, den: quote.midRate.den },
    spreadBps: quote.spreadBps,
    markupBps: quote.markupBps,
    rateSource: quote.rateSource,
    rateAsOfMs: quote.rateAsOfMs,
    createdAtMs: quote.createdAtMs,
    expiresAtMs: quote.expiresAtMs,
  });
}

/** True when `quote.signature` is the FX key's signature of its payload; never throws. */
export function verifyQuoteSignature(quote: FxQuote, publicKeyHex: string): boolean {
  try {
    return verifyBytes(publicKeyHex, quoteSigningPayload(quote), quote.signature);
  } catch {
    return false;
  }
}

/** Formats `num / den` as a decimal rounded down to `places` decimals, without trailing zeros. */
export function formatRatio(num: bigint, den: bigint, places = FX_RATE_DECIMALS): string {
  if (num < 0n || den <= 0n)
    throw new RangeError('a rate is a non-negative ratio with a positive denominator');
  const scaled = divRound(num * 10n ** BigInt(places), den, 'floor');
  const digits = scaled.toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

/** How many minor units of the target `sendMinor` minor units of the source buy at `rate` (floor). */
export function convertMinor(
  sendMinor: bigint,
  rate: { num: bigint; den: bigint },
  sourceCurrency: string,
  targetCurrency: string,
): bigint {
  const { num, den } = minorRate(rate, sourceCurrency, targetCurrency);
  return divRound(sendMinor * num, den, 'floor');
}

/** The rate in minor units: target minor units per source minor unit, as an unreduced ratio. */
export function minorRate(
  rate: { num: bigint; den: bigint },
  sourceCurrency: string,
  targetCurrency: string,
): { num: bigint; den: bigint } {
  const eS = currencyExponent(sourceCurrency);
  const eT = currencyExponent(targetCurrency);
  return { num: rate.num * 10n ** BigInt(eT), den: rate.den * 10n ** BigInt(eS) };
}

export type FxQuoteRefusal =
  'QUOTE_MALFORMED' | 'QUOTE_INCONSISTENT' | 'QUOTE_UNKNOWN_KEY' | 'QUOTE_BAD_SIGNATURE' | 'QUOTE_EXPIRED';

export type FxQuoteCheck =
  { ok: true; quote: FxQuote } | { ok: false; reason: FxQuoteRefusal; detail: string };

export interface CheckQuoteOptions {
  /** The FX public key (hex), or the keys by key id when keys rotate. */
  publicKeys: string | Readonly<Record<string, string>>;
  /** The time to judge expiry by: for the ledger the block time, never the wall clock. */
  nowMs: number;
}

/**
 * Checks a quote as the ledger must before posting its legs: the shape, that its numbers agree with one
 * another (the amounts follow from the signed rate with the named rounding, the customer rate from the mid
 * rate and the margins, the display strings from the minor units), the signature, and the expiry. Pure and
 * deterministic. It does not check single use: the caller must refuse a quote id it has accepted before.
 */
export function checkQuote(input: unknown, options: CheckQuoteOptions): FxQuoteCheck {
  const parsed = fxQuoteSchema.safeParse(input);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { ok: false, reason: 'QUOTE_MALFORMED', detail };
  }
  const quote = parsed.data;
  const problem = quoteInconsistency(quote);
  if (problem) return { ok: false, reason: 'QUOTE_INCONSISTENT', detail: problem };
  const key =
    typeof options.publicKeys === 'string'
      ? options.publicKeys
      : Object.hasOwn(options.publicKeys, quote.keyId)
        ? options.publicKeys[quote.keyId]
        : undefined;
  if (key === undefined) {
    return { ok: false, reason: 'QUOTE_UNKNOWN_KEY', detail: `no FX key ${quote.keyId}` };
  }
  if (!verifyQuoteSignature(quote, key)) {
    return { ok: false, reason: 'QUOTE_BAD_SIGNATURE', detail: 'the signature does not match the quote' };
  }
  if (!(options.nowMs < quote.expiresAtMs)) {
    return {
      ok: false,
      reason: 'QUOTE_EXPIRED',
      detail: `expired at ${quote.expiresAtMs}, now ${options.nowMs}`,
    };
  }
  return { ok: true, quote };
}

/** Why the quote's numbers do not agree with one another, or null when they do. */
export function quoteInconsistency(quote: FxQuote): string | null {
  const { sourceCurrency: source, targetCurrency: target } = quote;
  if (!isCurrency(source) || !isCurrency(target)) return 'unsupported currency';
  if (source === target) return 'source and target currency are the same';
  const send = BigInt(quote.sendAmountMinor);
  const receive = BigInt(quote.receiveAmountMinor);
  const fee = BigInt(quote.feeMinor);
  if (BigInt(quote.totalCostMinor) !== send + fee) return 'totalCostMinor is not sendAmountMinor + feeMinor';
  const display: [string, bigint, string][] = [
    ['sendAmount', send, source],
    ['receiveAmount', receive, target],
    ['fee', fee, source],
    ['totalCost', send + fee, source],
  ];
  for (const [field, value, ccy] of display) {
    if (quote[field as 'fee'] !== formatAmount(value, ccy)) return `${field} does not match its minor units`;
  }
  const rate = { num: BigInt(quote.rate.num), den: BigInt(quote.rate.den) };
  const mid = { num: BigInt(quote.midRate.num), den: BigInt(quote.midRate.den) };
  if (quote.rate.decimal !== formatRatio(rate.num, rate.den)) return 'rate.decimal does not match the rate';
  if (quote.midRate.decimal !== formatRatio(mid.num, mid.den)) return 'midRate.decimal does not match';
  const margin = quote.spreadBps + quote.markupBps;
  if (margin >= 10_000) return 'spread and markup reach 100%';
  // rate = mid * (10000 - margin) / 10000, cross-multiplied to stay exact.
  if (rate.num * mid.den * 10_000n !== mid.num * BigInt(10_000 - margin) * rate.den) {
    return 'rate is not the mid rate less the spread and the markup';
  }
  const m = minorRate(rate, source, target);
  if (quote.fixedSide === 'send') {
    if (receive !== divRound(send * m.num, m.den, 'floor')) return 'receive amount is not floor(send x rate)';
  } else if (send !== divRound(receive * m.den, m.num, 'ceil')) {
    return 'send amount is not ceil(receive / rate)';
  }
  // Whichever side was fixed, the payee never gets more than the send amount buys at the rate.
  if (receive * m.den > send * m.num) return 'receive amount exceeds what the send amount buys';
  if (quote.expiresAtMs <= quote.createdAtMs) return 'expiresAtMs is not after createdAtMs';
  return null;
}

/**
 * The two ledger legs a quote stands for: the payer pays the total cost (send amount and fee) in the
 * source currency to the FX provider, and the FX provider pays the receive amount in the target currency
 * to the payee. A quote that names its payer or payee binds it: other parties get null.
 */
export function fxQuoteLegs(
  quote: FxQuote,
  parties: { payer: string; payee: string },
): { from: string; to: string; currency: string; amountMinor: bigint }[] | null {
  if (quote.payer !== null && quote.payer !== parties.payer) return null;
  if (quote.payee !== null && quote.payee !== parties.payee) return null;
  return [
    {
      from: parties.payer,
      to: quote.fxProvider,
      currency: quote.sourceCurrency,
      amountMinor: BigInt(quote.totalCostMinor),
    },
    {
      from: quote.fxProvider,
      to: parties.payee,
      currency: quote.targetCurrency,
      amountMinor: BigInt(quote.receiveAmountMinor),
    },
  ];
}

/**
 * The spread income in a quote, in source minor units: the part of the send amount above what the payee's
 * amount costs at the mid rate. The cost at mid is rounded up, so that the spread entry never states more
 * income than the margin earned; it is never negative, because the customer rate is at most the mid rate.
 * The ledger posts it as its own entry, apart from the converted principal (send amount less spread).
 */
export function fxSpreadMinor(quote: FxQuote): bigint {
  const mid = minorRate(
    { num: BigInt(quote.midRate.num), den: BigInt(quote.midRate.den) },
    quote.sourceCurrency,
    quote.targetCurrency,
  );
  const send = BigInt(quote.sendAmountMinor);
  const costAtMid = divRound(BigInt(quote.receiveAmountMinor) * mid.den, mid.num, 'ceil');
  return costAtMid >= send ? 0n : send - costAtMid;
}

// ---------------------------------------------------------------------------------------------------------
// Request/reply on fxQuoteRequests / fxQuoteReplies, keyed by requestId.

export const FX_ERROR_CODES = [
  'INVALID_REQUEST',
  'INVALID_AMOUNT',
  'UNKNOWN_CURRENCY',
  'UNKNOWN_CORRIDOR',
  'RATE_UNAVAILABLE',
  'STALE_RATE',
  'REQUEST_EXPIRED',
  'INTERNAL',
] as const;
export const fxErrorCodeSchema = z.enum(FX_ERROR_CODES);
export type FxErrorCode = z.infer<typeof fxErrorCodeSchema>;

const requestBase = {
  v: z.literal(1),
  /** Unique per request; the reply carries it and is keyed by it. */
  requestId: id,
  sentAtMs: msTime,
  /** The requester stops waiting then: a request still unprocessed after it is answered REQUEST_EXPIRED. */
  deadlineMs: msTime.optional(),
};
const validFromMs = msTime.optional();

export const fxQuoteRequestSchema = z
  .object({
    ...requestBase,
    type: z.literal('quote'),
    sourceCurrency: currency,
    targetCurrency: currency,
    /** Exactly one of the two: a decimal string in major units of its currency ("125.50"). */
    sendAmount: z.string().max(40).optional(),
    receiveAmount: z.string().max(40).optional(),
    payer: id.optional(),
    payee: id.optional(),
  })
  .strict();

/** The most quotes one `quote-batch` request may ask for. */
export const FX_MAX_QUOTE_BATCH = 20;

/**
 * Several quotes in one request and one reply (the routing service asks for every option of a routes answer
 * at once): each item is a `quote` request's body, and is answered as that request would be, on its own.
 */
export const fxQuoteBatchRequestSchema = z
  .object({
    ...requestBase,
    type: z.literal('quote-batch'),
    quotes: z
      .array(
        fxQuoteRequestSchema.omit({ v: true, requestId: true, sentAtMs: true, deadlineMs: true, type: true }),
      )
      .min(1)
      .max(FX_MAX_QUOTE_BATCH),
  })
  .strict();

/** Operators' requests (the gateway forwards them only after authenticating an operator). */
export const fxSetSpreadRequestSchema = z
  .object({
    ...requestBase,
    type: z.literal('set-spread'),
    sourceCurrency: currency,
    targetCurrency: currency,
    spreadBps: z.number().int().min(0).max(FX_MAX_SPREAD_BPS),
    requestedBy: id,
    validFromMs,
  })
  .strict();

export const fxSetMarkupRequestSchema = z
  .object({
    ...requestBase,
    type: z.literal('set-markup'),
    participantId: id,
    markupBps: z.number().int().min(0).max(FX_MAX_MARKUP_BPS),
    requestedBy: id,
    validFromMs,
  })
  .strict();

export const fxSetFeeRequestSchema = z
  .object({
    ...requestBase,
    type: z.literal('set-fee'),
    sourceCurrency: currency,
    targetCurrency: currency,
    /** Decimal strings in the source currency; max null or absent: no maximum. */
    fixed: z.string().max(40),
    percentBps: z.number().int().min(0).max(FX_MAX_FEE_BPS),
    min: z.string().max(40),
    max: z.string().max(40).nullable().optional(),
    requestedBy: id,
    validFromMs,
  })
  .strict();

/** The spread, fee schedule and markup in force for a corridor (and a partner). */
export const fxGetPricingRequestSchema = z
  .object({
    ...requestBase,
    type: z.literal('get-pricing'),
    sourceCurrency: currency,
    targetCurrency: currency,
    participantId: id.optional(),
  })
  .strict();

export const fxRequestSchema = z.discriminatedUnion('type', [
  fxQuoteRequestSchema,
  fxQuoteBatchRequestSchema,
  fxSetSpreadRequestSchema,
  fxSetMarkupRequestSchema,
  fxSetFeeRequestSchema,
  fxGetPricingRequestSchema,
]);
export type FxRequest = z.infer<typeof fxRequestSchema>;
export type FxRequestType = FxRequest['type'];
export type FxQuoteRequest = z.infer<typeof fxQuoteRequestSchema>;
export type FxQuoteBatchRequest = z.infer<typeof fxQuoteBatchRequestSchema>;
export type FxSetSpreadRequest = z.infer<typeof fxSetSpreadRequestSchema>;
export type FxSetMarkupRequest = z.infer<typeof fxSetMarkupRequestSchema>;
export type FxSetFeeRequest = z.infer<typeof fxSetFeeRequestSchema>;
export type FxGetPricingRequest = z.infer<typeof fxGetPricingRequestSchema>;

/**
 * What the FX service's consumer accepts from the topic: anything with a version and a request id. A
 * message without them goes to the dead-letter topic; with them but otherwise invalid, it gets an
 * INVALID_REQUEST reply so the requester does not wait for nothing.
 */
export const fxRequestEnvelopeSchema = z.looseObject({
  v: z.literal(1),
  requestId: id,
  type: z.string().max(40),
});

export const fxSpreadViewSchema = z
  .object({
    sourceCurrency: currency,
    targetCurrency: currency,
    spreadBps: z.number().int(),
    validFromMs: msTime,
    createdBy: z.string(),
  })
  .strict();
export type FxSpreadView = z.infer<typeof fxSpreadViewSchema>;

export const fxMarkupViewSchema = z
  .object({
    participantId: id,
    markupBps: z.number().int(),
    validFromMs: msTime,
    createdBy: z.string(),
  })
  .strict();
export type FxMarkupView = z.infer<typeof fxMarkupViewSchema>;

export const fxFeeViewSchema = z
  .object({
    sourceCurrency: currency,
    targetCurrency: currency,
    fixedMinor: minor,
    percentBps: z.number().int(),
    minMinor: minor,
    maxMinor: minor.nullable(),
    fixed: decimal,
    min: decimal,
    max: decimal.nullable(),
    validFromMs: msTime,
    createdBy: z.string(),
  })
  .strict();
export type FxFeeView = z.infer<typeof fxFeeViewSchema>;

/** The state of the reference rates behind a quote or a STALE_RATE error. */
export const fxRateStatusSchema = z
  .object({
    provider: z.string(),
    /** The last refresh failed: the rates in use are the last good ones, and they are getting older. */
    ageing: z.boolean(),
    lastSuccessAtMs: msTime.nullable(),
    lastFailureAtMs: msTime.nullable(),
    lastError: z.string().nullable(),
    legs: z.array(
      z
        .object({
          pair: z.string(),
          source: z.string(),
          asOfMs: msTime,
          ageMs: z.number().int(),
          maxAgeMs: msTime,
          stale: z.boolean(),
        })
        .strict(),
    ),
  })
  .strict();
export type FxRateStatus = z.infer<typeof fxRateStatusSchema>;

export const fxErrorSchema = z
  .object({
    code: fxErrorCodeSchema,
    message: z.string(),
    /** The request field at fault, when there is one (`sendAmount`, `sourceCurrency`...). */
    field: z.string().optional(),
    /** For STALE_RATE and RATE_UNAVAILABLE: which rates, how old, and whether the provider is failing. */
    rates: fxRateStatusSchema.optional(),
  })
  .strict();
export type FxError = z.infer<typeof fxErrorSchema>;

const replyBase = { v: z.literal(1), requestId: id, repliedAtMs: msTime };

/**
 * What a quote's total cost is made of, in minor units of the source currency, for the partner to see:
 * principalMinor + spreadMinor = sendAmountMinor (the ledger's principal and spread entries, as
 * fxSpreadMinor computes them) and feeFixedMinor + feePercentageMinor + feeAdjustmentMinor = feeMinor.
 * Not signed and not part of the quote: the ledger derives what it needs from the signed fields, and the
 * fee's parts depend on the fee schedule, which the quote does not carry.
 */
export const fxQuoteBreakdownSchema = z
  .object({
    principalMinor: minor,
    spreadMinor: minor,
    feeFixedMinor: minor,
    /** The fee schedule's percentage of the send amount, rounded up. */
    feePercentageMinor: minor,
    feePercentBps: bps,
    /** What the schedule's minimum added (positive) or its maximum took off (negative); "0" otherwise. */
    feeAdjustmentMinor: z.string().regex(/^(0|-?[1-9]\d{0,17})$/, 'an integer of minor units as a string'),
  })
  .strict();
export type FxQuoteBreakdown = z.infer<typeof fxQuoteBreakdownSchema>;

export const fxQuoteReplySchema = z
  .object({
    ...replyBase,
    type: z.literal('quote'),
    ok: z.literal(true),
    quote: fxQuoteSchema,
    /**
     * The rates behind the quote: each leg's source and age, and `ageing` when the provider is failing and
     * the quote rests on the last good rates. The FX service always sends it; a reply without it (from an
     * older FX service) means the rates were not ageing.
     */
    rates: fxRateStatusSchema.optional(),
    /** The total cost in its parts (an older FX service leaves it out). */
    breakdown: fxQuoteBreakdownSchema.optional(),
  })
  .strict();
/** The answer to a `quote-batch`: one result per item, in the order asked, each a quote or its error. */
export const fxQuoteBatchReplySchema = z
  .object({
    ...replyBase,
    type: z.literal('quote-batch'),
    ok: z.literal(true),
    results: z.array(
      z.union([
        fxQuoteReplySchema.pick({ ok: true, quote: true, rates: true, breakdown: true }).strict(),
        z.object({ ok: z.literal(false), error: fxErrorSchema }).strict(),
      ]),
    ),
  })
  .strict();
export const fxSetSpreadReplySchema = z
  .object({ ...replyBase, type: z.literal('set-spread'), ok: z.literal(true), spread: fxSpreadViewSchema })
  .strict();
export const fxSetMarkupReplySchema = z
  .object({ ...replyBase, type: z.literal('set-markup'), ok: z.literal(true), markup: fxMarkupViewSchema })
  .strict();
export const fxSetFeeReplySchema = z
  .object({ ...replyBase, type: z.literal('set-fee'), ok: z.literal(true), fee: fxFeeViewSchema })
  .strict();
export const fxGetPricingReplySchema = z
  .object({
    ...replyBase,
    type: z.literal('get-pricing'),
    ok: z.literal(true),
    spread: fxSpreadViewSchema.nullable(),
    fee: fxFeeViewSchema.nullable(),
    markup: fxMarkupViewSchema.nullable(),
  })
  .strict();
export const fxErrorReplySchema = z
  .object({ ...replyBase, type: z.string().max(40), ok: z.literal(false), error: fxErrorSchema })
  .strict();

export const fxReplySchema = z.union([
  fxQuoteReplySchema,
  fxQuoteBatchReplySchema,
  fxSetSpreadReplySchema,
  fxSetMarkupReplySchema,
  fxSetFeeReplySchema,
  fxGetPricingReplySchema,
  fxErrorReplySchema,
]);
export type FxReply = z.infer<typeof fxReplySchema>;
export type FxQuoteReply = z.infer<typeof fxQuoteReplySchema>;
export type FxQuoteBatchReply = z.infer<typeof fxQuoteBatchReplySchema>;
export type FxErrorReply = z.infer<typeof fxErrorReplySchema>;

/** The successful reply to each request type. */
export interface FxOkReplies {
  quote: FxQuoteReply;
  'quote-batch': FxQuoteBatchReply;
  'set-spread': z.infer<typeof fxSetSpreadReplySchema>;
  'set-markup': z.infer<typeof fxSetMarkupReplySchema>;
  'set-fee': z.infer<typeof fxSetFeeReplySchema>;
  'get-pricing': z.infer<typeof fxGetPricingReplySchema>;
}
