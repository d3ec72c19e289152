import { parse } from 'csv-parse/sync';
import {
  BOOK_CSV_COLUMNS,
  BOOK_RESULTS,
  BookEntry,
  bookEntrySchema,
  BookReconciliationRequest,
  bookReconciliationRequestSchema,
  BookReport,
  BookReportLine,
  BookResult,
  MAX_BOOK_ENTRIES,
} from '@concord/contracts';
import { formatAmount, MoneyError, parseAmount } from '@concord/money';
import type { FieldError } from '../problems/problem';
import { BookFailure } from './books.errors';
import type { BooksRepository, LedgerTransfer } from './books.repository';

/** The most of a partner's transfers one period may hold at Concord. */
export const MAX_PERIOD_TRANSFERS = 20_000;

/** A book's transfer with its amount read in minor units of its currency. */
export interface BookTransfer extends BookEntry {
  amountMinor: bigint;
}

/**
 * Partners' books: a partner sends its own list of its transfers of a period (as payer and as payee) and
 * gets them reconciled with the gateway's read model of the ledger, transfer by transfer on (payer, id).
 */
export class BooksService {
  constructor(private readonly repo: BooksRepository) {}

  async reconcile(participant: string, body: unknown): Promise<BookReport> {
    const request = parseRequest(body);
    const book = readBook(request);
    const from = new Date(request.from);
    const to = new Date(request.to);
    const inPeriod = await this.repo.inPeriod(participant, from, to, MAX_PERIOD_TRANSFERS);
    if (inPeriod.length > MAX_PERIOD_TRANSFERS)
      throw new BookFailure({ kind: 'PERIOD_TOO_LARGE', max: MAX_PERIOD_TRANSFERS });
    // A transfer of the book Concord took in just outside the period is compared all the same.
    const seen = new Set(inPeriod.map(keyOf));
    const outside = await this.repo.byKeys(
      participant,
      book.filter((t) => !seen.has(keyOf(t))),
    );
    return {
      participant,
      from: from.toISOString(),
      to: to.toISOString(),
      ...compareBooks(participant, book, [...inPeriod, ...outside]),
    };
  }
}

function parseRequest(body: unknown): BookReconciliationRequest {
  const parsed = bookReconciliationRequestSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new BookFailure({
    kind: 'INVALID_BODY',
    errors: parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })),
  });
}

/** The book's transfers, each amount in minor units; refused whole, naming each transfer that fails. */
export function readBook(request: BookReconciliationRequest): BookTransfer[] {
  const entries: { entry: unknown; where: string }[] =
    request.transfers?.map((entry, i) => ({ entry, where: `transfers[${i}]` })) ??
    csvEntries(request.csv ?? '');
  const errors: FieldError[] = [];
  const book: BookTransfer[] = [];
  const keys = new Map<string, string>();
  for (const { entry, where } of entries) {
    const parsed = bookEntrySchema.safeParse(entry);
    if (!parsed.success) {
      for (const i of parsed.error.issues)
        errors.push({ field: `${where}.${i.path.join('.')}`, message: i.message });
      continue;
    }
    const t = parsed.data;
    const key = keyOf(t);
    if (keys.has(key)) {
      errors.push({
        field: where,
        message: `transfer ${t.payer}/${t.id} is listed twice (first at ${keys.get(key)})`,
      });
      continue;
    }
    keys.set(key, where);
    try {
      book.push({ ...t, amountMinor: parseAmount(t.amount, t.currency) });
    } catch (e) {
      if (!(e instanceof MoneyError)) throw e;
      errors.push({ field: `${where}.amount`, message: e.message });
    }
  }
  if (errors.length > 0) throw new BookFailure({ kind: 'BOOK_REFUSED', errors: errors.slice(0, 20) });
  return book;
}

/** A CSV book's records with where each is (`line N`, the header being line 1). */
function csvEntries(text: string): { entry: unknown; where: string }[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new BookFailure({
      kind: 'BOOK_REFUSED',
      errors: [{ field: `csv line ${err.lines ?? '?'}`, message: err.message }],
    });
  }
  const header = records.length > 0 ? Object.keys(records[0]) : [];
  const missing = BOOK_CSV_COLUMNS.filter((c) => !header.includes(c));
  if (records.length > 0 && missing.length > 0)
    throw new BookFailure({
      kind: 'BOOK_REFUSED',
      errors: [{ field: 'csv line 1', message: `missing column(s) ${missing.join(', ')}` }],
    });
  if (records.length > MAX_BOOK_ENTRIES)
    throw new BookFailure({
      kind: 'BOOK_REFUSED',
      errors: [{ field: 'csv', message: `more than ${MAX_BOOK_ENTRIES} transfers` }],
    });
  return records.map((r, i) => ({
    entry: Object.fromEntries(BOOK_CSV_COLUMNS.map((c) => [c, r[c]])),
    where: `csv line ${i + 2}`,
  }));
}

function keyOf(t: { payer: string; id: string }): string {
  return `${t.payer}\u0000${t.id}`;
}

/**
 * The comparison itself (pure): every transfer of either side once, on (payer, id). Concord's transfers
 * are those the participant pays or receives; a book's transfer of someone else's is missing at Concord.
 */
export function compareBooks(
  participant: string,
  book: readonly BookTransfer[],
  concord: readonly LedgerTransfer[],
): Pick<BookReport, 'counts' | 'lines'> {
  const ours = new Map<string, LedgerTransfer>();
  for (const t of concord) if (t.payer === participant || t.payee === participant) ours.set(keyOf(t), t);
  const lines: BookReportLine[] = [];
  const listed = new Set<string>();
  for (const b of book) {
    const key = keyOf(b);
    listed.add(key);
    const c = ours.get(key);
    const result: BookResult = !c
      ? 'missing-at-concord'
      : c.amountMinor !== b.amountMinor || c.currency !== b.currency
        ? 'amount-differs'
        : c.status !== b.status
          ? 'status-differs'
          : 'matched';
    lines.push({
      ...line(result, b.payer, b.id, c ?? null, participant),
      partnerAmount: formatAmount(b.amountMinor, b.currency),
      partnerCurrency: b.currency,
      partnerStatus: b.status,
    });
  }
  for (const [key, c] of ours)
    if (!listed.has(key)) lines.push(line('missing-at-partner', c.payer, c.id, c, participant));
  const rank = (r: BookResult) => (r === 'matched' ? 1 : 0);
  lines.sort(
    (a, b) =>
      rank(a.result) - rank(b.result) ||
      BOOK_RESULTS.indexOf(a.result) - BOOK_RESULTS.indexOf(b.result) ||
      (a.payer < b.payer ? -1 : a.payer > b.payer ? 1 : 0) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const counts = Object.fromEntries(BOOK_RESULTS.map((r) => [r, 0])) as Record<BookResult, number>;
  for (const l of lines) counts[l.result]++;
  return { counts, lines };
}

function line(
  result: BookResult,
  payer: string,
  id: string,
  c: LedgerTransfer | null,
  participant: string,
): BookReportLine {
  return {
    result,
    payer,
    id,
    role: c ? (c.payer === participant ? 'payer' : 'payee') : payer === participant ? 'payer' : null,
    partnerAmount: null,
    partnerCurrency: null,
    partnerStatus: null,
    concordAmount: c ? formatAmount(c.amountMinor, c.currency) : null,
    concordCurrency: c?.currency ?? null,
    concordStatus: c?.status ?? null,
  };
}
