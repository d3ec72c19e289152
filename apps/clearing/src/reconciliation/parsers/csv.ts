import type { Readable } from 'node:stream';
import { parse as parseStream } from 'csv-parse';
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

/** csv-parse's options for a mapping: a header row, quoting, BOM. */
function csvOptions(mapping: CsvMapping) {
  return {
    columns: true,
    delimiter: mapping.delimiter,
    skip_empty_lines: true,
    trim: true,
    bom: true,
  } as const;
}

/** A CSV export read with csv-parse (quoting, embedded delimiters) through a column mapping. */
export function parseCsv(text: string, mapping: CsvMapping = csvMappingSchema.parse({})): ParsedStatement {
  let records: Record<string, string>[];
  try {
    records = parse(text, csvOptions(mapping));
  } catch (e) {
    throw csvError(e);
  }
  if (records.length === 0) throw new StatementError('line 2', 'no statement line under the header');
  checkColumns(records[0], mapping);
  const lines = records.map((r, i) => csvLine(r, i, mapping));
  return {
    format: 'csv',
    statementId: `csv:${contentHash(text).slice(0, 16)}`,
    account: lines[0].account,
    lines,
  };
}

/**
 * A CSV export streamed (csv-parse's stream API): its lines in batches of `batchSize`, so that a file of
 * any length is read in bounded memory. A line that does not parse throws a StatementError naming it,
 * as parseCsv does; what the caller did with the batches before is for it to undo (or to have validated
 * the file first by a pass of this without applying anything).
 */
export async function* streamCsv(
  input: Readable,
  mapping: CsvMapping = csvMappingSchema.parse({}),
  batchSize = 10_000,
): AsyncGenerator<StatementLine[]> {
  const parser = input.pipe(parseStream(csvOptions(mapping)));
  input.on('error', (e) => parser.destroy(e));
  let batch: StatementLine[] = [];
  let n = 0;
  try {
    for await (const record of parser as AsyncIterable<Record<string, string>>) {
      if (n === 0) checkColumns(record, mapping);
      batch.push(csvLine(record, n++, mapping));
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
  } catch (e) {
    throw e instanceof StatementError ? e : csvError(e);
  }
  if (n === 0) throw new StatementError('line 2', 'no statement line under the header');
  if (batch.length > 0) yield batch;
}

function csvError(e: unknown): StatementError {
  const err = e as Error & { lines?: number };
  return new StatementError(`line ${err.lines ?? '?'}`, err.message);
}

function checkColumns(first: Record<string, string>, mapping: CsvMapping): void {
  const required = [mapping.account, mapping.currency, mapping.bookingDate, mapping.amount];
  const missing = required.filter((c) => !(c in first));
  if (missing.length) throw new StatementError('line 1', `missing column(s) ${missing.join(', ')}`);
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
