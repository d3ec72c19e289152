import { createHash } from 'node:crypto';
import { MoneyError, parseAmount } from '@concord/money';

/** The formats a settlement bank's statement comes in. */
export const STATEMENT_FORMATS = ['camt.053', 'camt.054', 'mt940', 'csv'] as const;
export type StatementFormat = (typeof STATEMENT_FORMATS)[number];

/** One booked movement on a settlement account, whatever format the bank wrote it in. */
export interface StatementLine {
  /** 1-based position in the statement: what a refusal or a break names. */
  lineNo: number;
  account: string;
  currency: string;
  bookingDate: string;
  valueDate: string;
  /** Always positive, in minor units of `currency` (libs/money's exponent); `direction` gives the sign. */
  amountMinor: bigint;
  direction: 'credit' | 'debit';
  endToEndId: string | null;
  remittanceInfo: string | null;
  bankReference: string | null;
}

/** A statement as parsed: its identity (the bank's statement id, else the file's hash) and its lines. */
export interface ParsedStatement {
  format: StatementFormat;
  statementId: string;
  account: string;
  lines: StatementLine[];
}

/**
 * Why a file is refused, naming where (an XPath-like element, an MT940 tag, a CSV line): the whole file
 * is refused and nothing of it is applied.
 */
export class StatementError extends Error {
  constructor(
    readonly location: string,
    readonly reason: string,
  ) {
    super(`${location}: ${reason}`);
  }
}

/** The SHA-256 of a file's bytes: the same file uploaded again is recognised by it. */
export function contentHash(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

/**
 * A bank's decimal amount ("1234.50", MT940's "1234,50") in minor units. Banks pad to two decimals even
 * for currencies with fewer ("5000.00" JPY): zeros past the currency's exponent are dropped, anything
 * else past it is refused, as libs/money refuses it. MT940 writes a decimal comma (`comma`).
 */
export function bankAmount(text: string, currency: string, location: string, comma = false): bigint {
  // Only MT940 writes a decimal comma; a comma in camt or CSV is a malformed amount.
  let value = comma ? text.trim().replace(',', '.') : text.trim();
  if (value.endsWith('.')) value = value.slice(0, -1);
  try {
    return parseAmount(value, currency);
  } catch (e) {
    if (!(e instanceof MoneyError)) throw e;
    const trimmed = value.includes('.') ? value.replace(/\.?0+$/, '') : value;
    if (trimmed !== value) return bankAmount(trimmed, currency, location, comma);
    throw new StatementError(location, `amount ${JSON.stringify(text)}: ${e.message}`);
  }
}

/** A date as YYYY-MM-DD, refused unless it is one. */
export function isoDate(text: string | undefined, location: string): string {
  const value = (text ?? '').slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value)))
    throw new StatementError(location, `date ${JSON.stringify(text ?? '')} is not YYYY-MM-DD`);
  return value;
}

/** Empty text as null: an absent reference. */
export function optional(text: unknown): string | null {
  if (text === undefined || text === null) return null;
  const value = String(text).trim();
  return value === '' ? null : value;
}
