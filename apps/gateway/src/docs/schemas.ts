import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { z } from 'zod';
import { fxQuoteSchema } from '@concord/contracts';
import { LIMIT_EVENTS, SETTLEMENT_EVENTS } from '../webhooks/webhooks.dto';

/**
 * OpenAPI schemas from the zod schemas that validate requests and describe responses, so that the
 * document says what the code does.
 */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): SchemaObject {
  const generated = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete generated.$schema;
  return generated as SchemaObject;
}

export const PROBLEM_REF = '#/components/schemas/Problem';

/** RFC 9457 problem details, as every error of the API is answered. */
export const problemSchema: SchemaObject = {
  type: 'object',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', example: 'https://concord.example/problems/invalid-body' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', description: 'stable machine-readable code', example: 'INVALID_BODY' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string', example: 'events.1' }, message: { type: 'string' } },
      },
    },
  },
};

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'The request or query is not valid (the fields are named).',
  401: 'Missing, malformed, unknown-key, bad, stale or replayed signature.',
  403: 'The caller may not do this.',
  404: 'No such resource visible to the caller.',
  406: 'None of the accepted media types can be produced.',
  409: 'The id is already used with another body.',
  422: 'Understood but refused (the code says why).',
  429: 'Rate limit: retry after `Retry-After` seconds.',
  503: 'A dependency is unavailable; retry later.',
};

/** The problem+json answers an operation can give. */
export function problemResponses(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
        content: { 'application/problem+json': { schema: { $ref: PROBLEM_REF } } },
      }),
    ),
  );
}

/** A transfer as the API shows it (transfers.dto.ts, TransferView). */
export const transferViewSchema = z.object({
  id: z.string(),
  status: z.enum(['accepted', 'committed', 'reserved', 'fulfilled', 'aborted', 'expired', 'rejected']),
  reason: z.string().optional().describe("the ledger's reason code of a rejection"),
  payer: z.string(),
  payee: z.string(),
  amount: z.string().describe('decimal string in the currency exponent, e.g. "125.50"'),
  currency: z.string().describe('ISO 4217'),
  twoPhase: z.boolean(),
  blockHeight: z.number().int().optional(),
  createdAt: z.string(),
  finalizedAt: z.string().optional(),
});

/** The body of a transfer webhook request. */
export const webhookPayloadSchema = z.object({
  id: z.string().describe('the event id (evt_...), also in Concord-Event-Id; the same on every attempt'),
  type: z.string().describe('transfer.committed, transfer.rejected, ...'),
  createdAt: z.string().describe('block time of the block that finalized the state'),
  data: transferViewSchema,
});

/** A settlement instruction as a webhook shows it (webhooks/settlement-events.ts, SettlementInstructionView). */
export const settlementInstructionViewSchema = z.object({
  id: z.string().describe('the instruction id of the clearing service'),
  windowId: z.number().int().describe('the settlement window it settles'),
  participantId: z.string().describe('the partner that pays in or is paid out: the receiver of the webhook'),
  currency: z.string().describe('ISO 4217'),
  direction: z
    .enum(['pay-in', 'pay-out'])
    .describe('pay-in: the partner pays its net debit; pay-out: it is paid its net credit'),
  amount: z.string().describe('decimal string in the currency exponent, e.g. "970.00"'),
  confirmed: z.string().describe('confirmed by the settlement bank so far, reversals deducted'),
  outstanding: z.string().describe('amount - confirmed; 0 once cancelled'),
  valueDate: z.string().describe('YYYY-MM-DD'),
  status: z.enum(['pending', 'partially-confirmed', 'confirmed', 'cancelled']),
  confirmation: z
    .object({ bankReference: z.string(), amount: z.string() })
    .optional()
    .describe('the confirmation this event added (confirmed) or took back (reversed)'),
  carriedToWindowId: z
    .number()
    .int()
    .optional()
    .describe('cancelled: its window was aborted and its positions carried into this window'),
});

/** The body of a settlement webhook request. */
export const settlementWebhookPayloadSchema = z.object({
  id: z.string().describe('the event id (evt_...), also in Concord-Event-Id; the same on every attempt'),
  type: z.enum(SETTLEMENT_EVENTS),
  createdAt: z.string().describe('when the clearing service published the event'),
  data: settlementInstructionViewSchema,
});

/** The body of a limit alarm webhook request. */
export const limitWebhookPayloadSchema = z.object({
  id: z.string().describe('the event id (evt_...), also in Concord-Event-Id; the same on every attempt'),
  type: z.enum(LIMIT_EVENTS),
  createdAt: z.string().describe('when the clearing service published the event'),
  data: z.object({
    accountId: z.string().describe('the position account, e.g. hk-remit/USD'),
    participantId: z.string(),
    currency: z.string().describe('ISO 4217'),
    position: z.string().describe('balance - reserved after the block, decimal string (negative: owed)'),
    cap: z.string().describe('the net debit cap of the account, decimal string'),
    threshold: z.string().describe('-(cap x alarm share): limit.alarm fires below it, limit.cleared above'),
    blockHeight: z.number().int().describe('the block whose balances crossed it'),
  }),
});

/** One reference rate behind a quote (quotes.service.ts, QuoteRateLeg). */
const quoteRateLegSchema = z
  .object({
    pair: z.string().describe('the stored rate used, e.g. USD/PHP (a cross rate has two legs)'),
    source: z.string(),
    asOf: z.string().describe('ISO time the provider says the rate is as of'),
    ageMs: z.number().int().describe('its age when the quote was asked for'),
    maxAgeMs: z.number().int().describe('older than this, the rate is stale and no quote is given on it'),
    stale: z.boolean(),
  })
  .strict();

/** The answer to POST /v1/quotes (quotes.service.ts, QuoteAnswer). */
export const quoteAnswerSchema = z
  .object({
    quote: fxQuoteSchema.describe(
      'the signed quote: put it, exactly as it is, as `quote` of the transfer (its send amount as `amount`)',
    ),
    rate: z
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
      .strict(),
    breakdown: z
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
      .strict()
      .nullable()
      .describe(
        'decimal strings in the source currency exponent; principal + spread + fee = totalCost exactly',
      ),
  })
  .strict();

/** A quote refused for stale rates: the problem with the rates behind the corridor (quotes.errors.ts). */
export const staleRateProblemSchema: SchemaObject = {
  allOf: [
    { $ref: PROBLEM_REF },
    {
      type: 'object',
      properties: {
        rates: jsonSchema(
          z
            .object({
              stale: z.boolean(),
              ageing: z.boolean().describe("the FX service's last rate refresh failed"),
              legs: z.array(quoteRateLegSchema),
            })
            .strict(),
        ),
      },
    },
  ],
};
