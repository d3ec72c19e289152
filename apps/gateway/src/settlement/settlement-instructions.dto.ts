import { z } from 'zod';
import { formatAmount } from '@concord/money';
import { decodeCursor } from '../pagination/cursor';

/** Instruction statuses as the API shows them (the clearing service's). */
export const INSTRUCTION_STATUSES = ['pending', 'partially-confirmed', 'confirmed', 'cancelled'] as const;

/** Bank references: the clearing operator API's alphabet, so that one reference reads the same everywhere. */
export const BANK_REFERENCE = /^[A-Za-z0-9._:/-]{1,64}$/;

/** `GET /v1/settlement-instructions?window&currency&status&limit&cursor`. */
export const listInstructionsQuerySchema = z
  .object({
    window: z.coerce.number().int().min(1).max(2_147_483_647).optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code')
      .optional(),
    status: z.enum(INSTRUCTION_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,200}$/, 'a cursor from a previous page')
      .refine((c) => decodeCursor(c) !== undefined, 'a cursor from a previous page')
      .optional(),
  })
  .strict();
export type ListInstructionsQuery = z.infer<typeof listInstructionsQuerySchema>;

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

export interface InstructionRow {
  id: string;
  windowId: number;
  participantId: string;
  currency: string;
  direction: string;
  amountMinor: bigint;
  confirmedMinor: bigint;
  valueDate: string;
  status: string;
  carriedToWindowId: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ConfirmationRow {
  instructionId: string;
  bankReference: string;
  amountMinor: bigint;
  status: string;
  source: string;
  refusalCode: string | null;
  refusalDetail: string | null;
  requestedAt: Date | null;
  confirmedAt: Date | null;
  reversedAt: Date | null;
}

/** Minor units as a decimal string of the currency; plain minor units for a code the money lib lacks. */
function amount(minor: bigint, currency: string): string {
  try {
    return formatAmount(minor, currency);
  } catch {
    return minor.toString();
  }
}

/** The views of the API, as zod schemas: the TypeScript types and the OpenAPI schemas come from them. */
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

export const instructionViewSchema = z.object({
  id: z.string().describe('the instruction id of the clearing service, e.g. w7.hk-remit'),
  windowId: z.number().int().describe('the settlement window it settles'),
  participantId: z.string(),
  currency: z.string().describe('ISO 4217'),
  direction: z
    .enum(['pay-in', 'pay-out'])
    .describe('pay-in: the partner pays its net debit; pay-out: it is paid its net credit'),
  amount: z.string().describe('decimal string in the currency exponent'),
  confirmed: z.string().describe('confirmed so far, reversals deducted'),
  outstanding: z.string().describe('amount - confirmed; 0 once cancelled'),
  valueDate: z.string().describe('YYYY-MM-DD'),
  status: z.enum(INSTRUCTION_STATUSES),
  carriedToWindowId: z
    .number()
    .int()
    .optional()
    .describe('cancelled: its window was aborted and its positions carried into this window'),
  createdAt: z.string().describe('when the clearing service published it'),
  updatedAt: z.string(),
});
export type InstructionView = z.infer<typeof instructionViewSchema>;

export const instructionDetailViewSchema = instructionViewSchema.extend({
  confirmations: z.array(confirmationViewSchema).describe('oldest first'),
});
export type InstructionDetailView = z.infer<typeof instructionDetailViewSchema>;

export function toInstructionView(r: InstructionRow): InstructionView {
  const cancelled = r.status === 'cancelled';
  return {
    id: r.id,
    windowId: r.windowId,
    participantId: r.participantId,
    currency: r.currency,
    direction: r.direction as InstructionView['direction'],
    amount: amount(r.amountMinor, r.currency),
    confirmed: amount(r.confirmedMinor, r.currency),
    outstanding: amount(cancelled ? 0n : r.amountMinor - r.confirmedMinor, r.currency),
    valueDate: r.valueDate,
    status: r.status as InstructionView['status'],
    ...(r.carriedToWindowId !== null ? { carriedToWindowId: r.carriedToWindowId } : {}),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export function toConfirmationView(c: ConfirmationRow, currency: string): ConfirmationView {
  return {
    bankReference: c.bankReference,
    amount: amount(c.amountMinor, currency),
    status: c.status as ConfirmationView['status'],
    source: c.source as ConfirmationView['source'],
    ...(c.requestedAt ? { requestedAt: c.requestedAt.toISOString() } : {}),
    ...(c.confirmedAt ? { confirmedAt: c.confirmedAt.toISOString() } : {}),
    ...(c.reversedAt ? { reversedAt: c.reversedAt.toISOString() } : {}),
    ...(c.refusalCode ? { refusal: { code: c.refusalCode, detail: c.refusalDetail ?? '' } } : {}),
  };
}

/** Picks JSON or CSV from an Accept header (q-values honoured, the first on a tie); null when neither fits. */
export function negotiateInstructionsFormat(accept: string | undefined): 'json' | 'csv' | null {
  if (!accept || accept.trim() === '') return 'json';
  let best: { format: 'json' | 'csv'; q: number } | null = null;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    const format =
      type === 'text/csv'
        ? 'csv'
        : type === 'application/json' || type === 'application/*' || type === '*/*'
          ? 'json'
          : null;
    if (format && (!best || q > best.q)) best = { format, q };
  }
  return best?.format ?? null;
}
