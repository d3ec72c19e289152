import { z } from 'zod';

/**
 * Messages of the clearing topics. Amounts are decimal strings of minor units (`amountMinor: "125000"`),
 * never JSON numbers. `clearing.commands` carries operators' commands; `clearing.events` the clearing
 * service's events, each with a stable `eventId` (an event may be delivered more than once: consumers
 * deduplicate by it).
 */
const id = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'letters, digits and . _ : - only, at most 64');
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code');
const minorString = z.string().regex(/^-?(0|[1-9]\d{0,18})$/, 'an integer of minor units as a string');
const nonNegativeMinorString = z
  .string()
  .regex(/^(0|[1-9]\d{0,18})$/, 'a non-negative integer of minor units as a string');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');

export const windowStatusSchema = z.enum(['open', 'closed', 'settling', 'settled', 'aborted']);
export type WindowStatus = z.infer<typeof windowStatusSchema>;

export const instructionDirectionSchema = z.enum(['pay-in', 'pay-out']);
export type InstructionDirection = z.infer<typeof instructionDirectionSchema>;

export const instructionStatusSchema = z.enum(['pending', 'partially-confirmed', 'confirmed', 'cancelled']);
export type InstructionStatus = z.infer<typeof instructionStatusSchema>;

/** The columns of a settlement instructions CSV, as both clearing's operator API and the partners' API serve it. */
export const INSTRUCTION_CSV_COLUMNS = [
  'id',
  'windowId',
  'participantId',
  'currency',
  'direction',
  'amount',
  'confirmed',
  'outstanding',
  'valueDate',
  'status',
] as const;

/** RFC 4180 CSV of settlement instructions (amounts as decimal strings), one header line, CRLF line ends. */
export function instructionsCsv(
  rows: readonly Record<(typeof INSTRUCTION_CSV_COLUMNS)[number], string | number>[],
): string {
  const lines = [INSTRUCTION_CSV_COLUMNS.join(',')];
  for (const v of rows) lines.push(INSTRUCTION_CSV_COLUMNS.map((k) => csvCell(v[k])).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** One RFC 4180 cell: quoted when it holds a quote, a comma or a line end; null is empty. */
function csvCell(v: string | number | null): string {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Closes the open window of a currency (a new one opens); `requestId` makes a redelivery a no-op. */
export const closeWindowCommandSchema = z
  .object({ v: z.literal(1), type: z.literal('close-window'), requestId: id, currency })
  .strict();

const bankReference = z
  .string()
  .regex(/^[A-Za-z0-9._:/-]{1,64}$/, 'letters, digits and . _ : / - only, 1 to 64');

/**
 * A participant records the external settlement of one of its own instructions (through the gateway's
 * `POST /v1/settlement-instructions/{id}/confirmations`, which authenticated it). Clearing records it as
 * it records an operator's confirmation, by bank reference; a refusal comes back as `confirmation.refused`.
 * `requestId` names the request (the gateway derives it from the instruction and the bank reference).
 */
export const confirmSettlementCommandSchema = z
  .object({
    v: z.literal(1),
    type: z.literal('confirm-settlement'),
    requestId: z.string().max(200),
    instructionId: z.string().max(100),
    participantId: id,
    bankReference,
    amountMinor: z.string().regex(/^[1-9]\d{0,18}$/, 'a positive integer of minor units as a string'),
  })
  .strict();
export type ConfirmSettlementCommand = z.infer<typeof confirmSettlementCommandSchema>;

/**
 * Operators' commands to the clearing service. Net debit caps are not among them: they are the ledger's
 * account limits (governance `set-limit`), which clearing reads from the finalized blocks.
 */
export const clearingCommandSchema = z.discriminatedUnion('type', [closeWindowCommandSchema]);
export type ClearingCommand = z.infer<typeof clearingCommandSchema>;

/** Everything `clearing.commands` carries: operators' commands and participants' confirmations. */
export const clearingCommandsMessageSchema = z.discriminatedUnion('type', [
  closeWindowCommandSchema,
  confirmSettlementCommandSchema,
]);
export type ClearingCommandsMessage = z.infer<typeof clearingCommandsMessageSchema>;

export const netPositionSchema = z
  .object({
    participantId: id,
    sentMinor: nonNegativeMinorString,
    receivedMinor: nonNegativeMinorString,
    /** received - sent: positive is owed to the participant, negative owed by it. */
    netMinor: minorString,
  })
  .strict();
export type NetPositionMessage = z.infer<typeof netPositionSchema>;

export const bilateralObligationSchema = z
  .object({ payer: id, payee: id, amountMinor: nonNegativeMinorString, count: z.number().int().min(0) })
  .strict();

export const settlementInstructionSchema = z
  .object({
    instructionId: z.string().max(100),
    windowId: z.number().int(),
    participantId: id,
    currency,
    direction: instructionDirectionSchema,
    amountMinor: nonNegativeMinorString,
    valueDate: isoDate,
  })
  .strict();
export type SettlementInstructionMessage = z.infer<typeof settlementInstructionSchema>;

const event = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ v: z.literal(1), type: z.literal(type), eventId: z.string().max(200), ...shape }).strict();

export const windowClosedEventSchema = event('window.closed', {
  windowId: z.number().int(),
  currency,
  fromHeight: z.number().int(),
  toHeight: z.number().int(),
  closedAt: z.string(),
  reason: z.enum(['schedule', 'operator']),
  grossMinor: nonNegativeMinorString,
  /** What actually moves: the sum of the positive net positions. */
  netMovedMinor: nonNegativeMinorString,
  /** 10000 x (gross - net moved) / gross, rounded down; 0 for an empty window. */
  efficiencyBps: z.number().int().min(0).max(10000),
  positions: z.array(netPositionSchema),
  bilateral: z.array(bilateralObligationSchema),
});

export const instructionCreatedEventSchema = event('instruction.created', {
  instruction: settlementInstructionSchema,
});

/** A confirmation of (part of) an instruction, or its reversal, and what is confirmed after it. */
const confirmationChange = {
  instructionId: z.string().max(100),
  windowId: z.number().int(),
  bankReference: z.string().max(100),
  amountMinor: nonNegativeMinorString,
  confirmedMinor: nonNegativeMinorString,
  status: instructionStatusSchema,
  /** Who recorded it: an operator (the settlement bank's statement) or the instruction's participant. */
  source: z.enum(['operator', 'participant']).optional(),
};

export const instructionConfirmedEventSchema = event('instruction.confirmed', confirmationChange);
export const instructionReversedEventSchema = event('instruction.reversed', confirmationChange);

/**
 * Every instruction of the window is fully confirmed by the settlement bank. The ledger postings of the
 * confirmations (position against settlement account) were sent to ledger.commands as each was recorded.
 */
export const windowSettledEventSchema = event('window.settled', {
  windowId: z.number().int(),
  currency,
  settledAt: z.string(),
  instructions: z.array(settlementInstructionSchema),
});

/**
 * An operator aborted a settling window before any confirmation: its instructions are cancelled and its
 * positions and bilateral obligations are carried into the window of the currency open at the time.
 */
export const windowAbortedEventSchema = event('window.aborted', {
  windowId: z.number().int(),
  currency,
  abortedAt: z.string(),
  carriedToWindowId: z.number().int(),
});

/**
 * One instruction of an aborted window, cancelled: nothing is to be paid under it any more (it had no
 * confirmed amount); its window's positions were carried into window `carriedToWindowId`.
 */
export const instructionCancelledEventSchema = event('instruction.cancelled', {
  instruction: settlementInstructionSchema,
  cancelledAt: z.string(),
  carriedToWindowId: z.number().int(),
});

/**
 * A participant's confirmation (`confirm-settlement`) that clearing did not record, with the code of the
 * operator API's refusal (OVER_CONFIRMATION, CONFIRMATION_CONFLICT, WINDOW_NOT_SETTLING, ...).
 */
export const confirmationRefusedEventSchema = event('confirmation.refused', {
  requestId: z.string().max(200),
  instructionId: z.string().max(100),
  participantId: id,
  bankReference: z.string().max(100),
  amountMinor: nonNegativeMinorString,
  code: z.string().max(64),
  detail: z.string().max(500),
});

/** What a limit alarm and its clearing say: the position account after the block, its cap, the threshold. */
const limitCrossing = {
  participantId: id,
  currency,
  accountId: z.string().max(80),
  height: z.number().int(),
  /** balance - reserved of the position account after the block. */
  positionMinor: minorString,
  capMinor: nonNegativeMinorString,
  /** -(cap x share): the alarm fires below it, and is cleared above it. */
  thresholdMinor: minorString,
};

export const limitAlarmEventSchema = event('limit.alarm', limitCrossing);
export const limitClearedEventSchema = event('limit.cleared', limitCrossing);

/**
 * No longer published: clearing once sent a settlement posting per block for each side of a continuous
 * gross settlement participant's moves, and announced it with this event. The ledger now settles such a
 * participant's transfers at once against its prefunding, so nothing is posted; the schema stays so that
 * events already on the topic still parse instead of going to the dead-letter topic.
 */
export const grossSettledEventSchema = event('settlement.gross', {
  participantId: id,
  counterpartyId: id,
  currency,
  direction: instructionDirectionSchema,
  amountMinor: nonNegativeMinorString,
  height: z.number().int(),
  postingId: id,
});

export const clearingEventSchema = z.discriminatedUnion('type', [
  windowClosedEventSchema,
  instructionCreatedEventSchema,
  instructionConfirmedEventSchema,
  instructionReversedEventSchema,
  windowSettledEventSchema,
  windowAbortedEventSchema,
  instructionCancelledEventSchema,
  confirmationRefusedEventSchema,
  limitAlarmEventSchema,
  limitClearedEventSchema,
  grossSettledEventSchema,
]);
export type ClearingEvent = z.infer<typeof clearingEventSchema>;
export type ClearingEventType = ClearingEvent['type'];

// Partners' books: a partner's own list of transfers reconciled against the ledger's (gateway, /v1/books)

/** The statuses a partner's book may give a transfer: the API's (accepted until final, then the ledger's). */
export const BOOK_STATUSES = [
  'accepted',
  'committed',
  'reserved',
  'fulfilled',
  'aborted',
  'expired',
  'rejected',
] as const;

/**
 * One transfer of a partner's book, as the partner has it: who paid (the partner itself for its own
 * payments, the payer for what it received), the payer's id of the transfer, the amount as a decimal
 * string of the currency, and the status the partner recorded. A transfer is known by (payer, id).
 */
export const bookEntrySchema = z
  .object({
    payer: id.describe('the paying participant (the partner itself for its payments)'),
    id: id.describe("the payer's id of the transfer"),
    amount: z.string().regex(/^\d{1,18}(\.\d{1,18})?$/, 'a decimal amount such as 12.50'),
    currency,
    status: z.enum(BOOK_STATUSES),
  })
  .strict();
export type BookEntry = z.infer<typeof bookEntrySchema>;

/** At most this many transfers in one book (a request body is at most 256 KiB). */
export const MAX_BOOK_ENTRIES = 2000;

/** The columns of a book sent as CSV (a header line naming them, in any order). */
export const BOOK_CSV_COLUMNS = ['payer', 'id', 'amount', 'currency', 'status'] as const;

const bookTime = z.string().datetime({ offset: true });

/**
 * `POST /v1/books/reconciliations`: the partner's transfers of the period `from <= created < to` (by
 * when Concord took each transfer in), as JSON `transfers` or as the text of a CSV (`csv`, columns
 * BOOK_CSV_COLUMNS); exactly one of the two.
 */
export const bookReconciliationRequestSchema = z
  .object({
    from: bookTime.describe('start of the period (inclusive), ISO 8601'),
    to: bookTime.describe('end of the period (exclusive), ISO 8601'),
    transfers: z.array(bookEntrySchema).max(MAX_BOOK_ENTRIES).optional(),
    csv: z.string().max(250_000).optional().describe('the book as CSV: payer,id,amount,currency,status'),
  })
  .strict()
  .refine((b) => (b.transfers === undefined) !== (b.csv === undefined), {
    message: 'exactly one of transfers and csv',
    path: ['transfers'],
  })
  .refine((b) => Date.parse(b.from) < Date.parse(b.to), { message: 'from must be before to', path: ['to'] });
export type BookReconciliationRequest = z.infer<typeof bookReconciliationRequestSchema>;

/**
 * What a transfer of the period is, the partner's book against Concord's: `matched`; `missing-at-partner`
 * (Concord has it, the book does not); `missing-at-concord` (the book has it, Concord has no such
 * transfer of the partner's); `amount-differs` (amount or currency; the status may differ too);
 * `status-differs`.
 */
export const BOOK_RESULTS = [
  'matched',
  'missing-at-partner',
  'missing-at-concord',
  'amount-differs',
  'status-differs',
] as const;
export type BookResult = (typeof BOOK_RESULTS)[number];

export const bookReportLineSchema = z
  .object({
    result: z.enum(BOOK_RESULTS),
    payer: z.string(),
    id: z.string(),
    /** The partner's side of the transfer: payer (it paid) or payee. */
    role: z.enum(['payer', 'payee']).nullable(),
    partnerAmount: z.string().nullable(),
    partnerCurrency: z.string().nullable(),
    partnerStatus: z.string().nullable(),
    concordAmount: z.string().nullable(),
    concordCurrency: z.string().nullable(),
    concordStatus: z.string().nullable(),
  })
  .strict();
export type BookReportLine = z.infer<typeof bookReportLineSchema>;

/** The report: counts per result, then every transfer (differences first, then by payer and id). */
export const bookReportSchema = z
  .object({
    participant: z.string(),
    from: z.string(),
    to: z.string(),
    counts: z
      .object(
        Object.fromEntries(BOOK_RESULTS.map((r) => [r, z.number().int()])) as Record<BookResult, z.ZodNumber>,
      )
      .strict(),
    lines: z.array(bookReportLineSchema),
  })
  .strict();
export type BookReport = z.infer<typeof bookReportSchema>;

/** The columns of the report as CSV (`Accept: text/csv`). */
export const BOOK_REPORT_CSV_COLUMNS = [
  'result',
  'payer',
  'id',
  'role',
  'partnerAmount',
  'partnerCurrency',
  'partnerStatus',
  'concordAmount',
  'concordCurrency',
  'concordStatus',
] as const;

/** RFC 4180 CSV of a report's lines, one header line, CRLF line ends (empty cells for nulls). */
export function bookReportCsv(lines: readonly BookReportLine[]): string {
  const out = [BOOK_REPORT_CSV_COLUMNS.join(',')];
  for (const l of lines) out.push(BOOK_REPORT_CSV_COLUMNS.map((k) => csvCell(l[k])).join(','));
  return out.join('\r\n') + '\r\n';
}
