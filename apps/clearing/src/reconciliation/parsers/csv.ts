import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import {
  bankAmount,
  contentHash,
  isoDate,
  optional,
  ParsedStatement,
  StatementError,
  StatementLine,
} from '../statement';

/**
 * Which header names a bank's CSV export uses for each field. A signed `amount` gives the direction
 * (negative: debit) unless a `direction` column is named (C/CRDT/credit or D/DBIT/debit).
 */
export const csvMappingSchema = z
  .object({
    delimiter: z.string().length(1).default(','),
    account: z.string().default('account'),
    currency: z.string().default('currency'),
    bookingDate: z.string().default('booking_date'),
    valueDate: z.string().default('value_date'),
    amount: z.string().default('amount'),
    direction: z.string().optional(),
    endToEndId: z.string().default('end_to_end_id'),
    remittanceInfo: z.string().default('remittance_info'),
    bankReference: z.string().default('bank_reference'),
  })
  .strict();
export type CsvMapping = z.infer<typeof csvMappingSchema>;

/** A CSV export read with csv-parse (quoting, embedded delimiters) through a column mapping. */
export function parseCsv(text: string, mapping: CsvMapping = csvMappingSchema.parse({})): ParsedStatement {
  let records: Record<string, string>[];
  try {
    records = parse(text, {
      columns: true,
      delimiter: mapping.delimiter,
      skip_empty_lines: true,
      trim: true,
      bom: true,
    });
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new StatementError(`line ${err.lines ?? '?'}`, err.message);
  }
  if (records.length === 0) throw new StatementError('line 2', 'no statement line under the header');
  const required = [mapping.account, mapping.currency, mapping.bookingDate, mapping.amount];
  const missing = required.filter((c) => !(c in records[0]));
  if (missing.length) throw new StatementError('line 1', `missing column(s) ${missing.join(', ')}`);
  const lines = records.map((r, i) => csvLine(r, i, mapping));
  return {
    format: 'csv',
    statementId: `csv:${contentHash(text).slice(0, 16)}`,
    account: lines[0].account,
    lines,
  };
}

function csvLine(r: Record<string, string>, i: number, m: CsvMapping): StatementLine {
  const where = `line ${i + 2}`; // the header is line 1
  const currency = optional(r[m.currency]);
  const account = optional(r[m.account]);
  if (!currency || !account) throw new StatementError(where, `${currency ? m.account : m.currency} is empty`);
  let amount = r[m.amount] ?? '';
  let direction: 'credit' | 'debit' = amount.startsWith('-') ? 'debit' : 'credit';
  amount = amount.replace(/^[-+]/, '');
  if (m.direction) direction = directionOf(r[m.direction], `${where} ${m.direction}`);
  const bookingDate = isoDate(r[m.bookingDate], `${where} ${m.bookingDate}`);
  return {
    lineNo: i + 1,
    account,
    currency,
    bookingDate,
    valueDate: r[m.valueDate] ? isoDate(r[m.valueDate], `${where} ${m.valueDate}`) : bookingDate,
    amountMinor: bankAmount(amount, currency, `${where} ${m.amount}`),
    direction,
    endToEndId: optional(r[m.endToEndId]),
    remittanceInfo: optional(r[m.remittanceInfo]),
    bankReference: optional(r[m.bankReference]),
  };
}

function directionOf(value: string | undefined, where: string): 'credit' | 'debit' {
  const v = (value ?? '').toUpperCase();
  if (['C', 'CR', 'CRDT', 'CREDIT'].includes(v)) return 'credit';
  if (['D', 'DR', 'DBIT', 'DEBIT'].includes(v)) return 'debit';
  throw new StatementError(where, `direction ${JSON.stringify(value ?? '')} is neither credit nor debit`);
}
