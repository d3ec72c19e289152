import { CURRENCIES, CurrencyCode } from './currencies';

/**
 * Money in Concord is always a bigint count of minor units. JavaScript numbers are never used for amounts
 * because they cannot represent most decimal fractions exactly (0.1 + 0.2 !== 0.3) and lose integer
 * precision above 2^53, either of which would make a ledger drift by a cent without anyone noticing.
 */

export type MoneyErrorCode =
  | 'UNKNOWN_CURRENCY'
  | 'NOT_A_DECIMAL_STRING'
  | 'TOO_MANY_DECIMALS'
  | 'OUT_OF_RANGE'
  | 'NOT_AN_INTEGER'
  | 'NEGATIVE'
  | 'ZERO';

/** The single error type of this library; `code` is stable and meant for API responses and tests. */
export class MoneyError extends Error {
  constructor(
    readonly code: MoneyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MoneyError';
  }
}

/**
 * The largest magnitude an amount may have, in minor units. It has 18 digits so that it fits in a
 * PostgreSQL bigint (which tops out just above 9.2e18) with room to spare, and a decimal string of at most
 * 18 digits can be range-checked without parsing it.
 */
export const MAX_AMOUNT_MINOR = 10n ** 18n - 1n;

export function isCurrency(code: string): code is CurrencyCode {
  // Object.hasOwn rather than `in` so that inherited names such as "toString" are not taken for currencies.
  return typeof code === 'string' && Object.hasOwn(CURRENCIES, code);
}

// Exponents by code in a Map: one lookup per amount parsed, where the ledger parses one per transfer. A Map
// has no inherited keys, so it answers exactly for the codes isCurrency accepts.
const EXPONENTS: ReadonlyMap<unknown, number> = new Map(
  Object.entries(CURRENCIES).map(([code, info]) => [code, info.exponent]),
);

/** The number of decimals of the currency's minor unit; throws UNKNOWN_CURRENCY for anything unsupported. */
export function currencyExponent(code: string): number {
  const exponent = EXPONENTS.get(code);
  if (exponent === undefined) {
    throw new MoneyError('UNKNOWN_CURRENCY', `currency ${quote(String(code))} is not supported`);
  }
  return exponent;
}

export interface ParseAmountOptions {
  /** Accept amounts below zero (for example adjustments); refused by default. */
  readonly allowNegative?: boolean;
  /** Accept an amount equal to zero; refused by default because a zero transfer is almost always a bug. */
  readonly allowZero?: boolean;
}

// A plain decimal: optional minus, an integer part without leading zeros, and an optional fraction with at
// least one digit. Anything looser (exponents, '+', spaces, '1.', '.5', '007') is refused so that a given
// amount has exactly one spelling per number of decimals and nothing is left to a lenient parser.
const DECIMAL = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

// MAX_AMOUNT_MINOR has 18 digits, so a longer digit string is out of range whatever it holds. Checking the
// length first keeps a hostile, megabyte-long string from ever reaching BigInt().
const MAX_DIGITS = MAX_AMOUNT_MINOR.toString().length;

/**
 * The fast path of parseAmount, for what a ledger reads all day: a positive plain decimal ("12", "990.31")
 * whose minor units stay below 2^53. Reads it digit by digit into a number, with no regex match, no
 * substrings and no BigInt(string). Returns undefined for anything else (a sign, zero, a malformed or
 * longer string, too many decimals), which parseAmount then reads the general way, refusals included, so
 * the two paths cannot disagree on what they both accept.
 */
function smallPositiveMinor(value: string, exponent: number): number | undefined {
  const n = value.length;
  // Sixteen digits and a point at most: anything longer is at or above 2^53 once read, or malformed.
  if (n === 0 || n > 17) return undefined;
  let minor = 0;
  let i = 0;
  if (value.charCodeAt(0) === 0x30) {
    // "0" alone or "0.xx": a zero followed by anything but the point is a leading zero, which DECIMAL refuses.
    i = 1;
  } else {
    for (; i < n; i++) {
      const c = value.charCodeAt(i) - 0x30;
      if (c < 0 || c > 9) break;
      minor = minor * 10 + c;
    }
    if (i === 0) return undefined;
  }
  let decimals = 0;
  if (i < n) {
    if (value.charCodeAt(i) !== 0x2e || i + 1 === n) return undefined;
    for (i += 1; i < n; i++) {
      const c = value.charCodeAt(i) - 0x30;
      if (c < 0 || c > 9) return undefined;
      minor = minor * 10 + c;
      decimals += 1;
    }
    if (decimals > exponent) return undefined;
  }
  for (; decimals < exponent; decimals++) minor *= 10;
  // Each step is exact while the exact result is below 2^53, and a result at or above it cannot round
  // down to MAX_SAFE_INTEGER or less, so this bound proves the number is the exact count of minor units.
  // It is far below MAX_AMOUNT_MINOR, so no range check is left to do. Zero goes the general way.
  return minor > 0 && minor <= Number.MAX_SAFE_INTEGER ? minor : undefined;
}

/**
 * Parses a decimal string in major units ("12.50" USD) into minor units (1250n). Only strings are accepted:
 * a number has already lost precision by the time it gets here, and a bigint would be ambiguous between
 * major and minor units. Fewer decimals than the currency allows are fine; more are refused, even trailing
 * zeros, so that "1.000" USD is never quietly read as a dollar by a client that meant something else.
 */
export function parseAmount(value: unknown, currency: string, opts: ParseAmountOptions = {}): bigint {
  const exponent = currencyExponent(currency);
  if (typeof value !== 'string') {
    throw new MoneyError('NOT_A_DECIMAL_STRING', notAStringMessage(value));
  }
  const small = smallPositiveMinor(value, exponent);
  if (small !== undefined) return BigInt(small);
  const match = DECIMAL.exec(value);
  if (match === null) {
    throw new MoneyError(
      'NOT_A_DECIMAL_STRING',
      `amount ${quote(value)} is not a plain decimal string such as "12" or "-12.50"`,
    );
  }
  const [, sign, integerPart, fraction = ''] = match;
  if (fraction.length > exponent) {
    const allowed = exponent === 0 ? 'allows no decimals' : `allows at most ${exponent}`;
    throw new MoneyError(
      'TOO_MANY_DECIMALS',
      `amount ${quote(value)} has ${fraction.length} ${plural(fraction.length, 'decimal')} but ${currency} ${allowed}`,
    );
  }
  // The integer part has no leading zeros, so its length together with the padded fraction is the exact
  // number of significant digits, except for "0.xx" whose single leading zero never matters here.
  const digits = integerPart + fraction.padEnd(exponent, '0');
  if (digits.length > MAX_DIGITS) throw outOfRange(value, currency);
  const magnitude = BigInt(digits);
  if (magnitude > MAX_AMOUNT_MINOR) throw outOfRange(value, currency);
  // "-0" and "-0.00" are read as zero: the sign of zero carries no meaning, so only the zero rule applies.
  const minor = sign === '-' ? -magnitude : magnitude;
  if (minor < 0n && opts.allowNegative !== true) {
    throw new MoneyError('NEGATIVE', `amount ${quote(value)} must not be negative`);
  }
  if (minor === 0n && opts.allowZero !== true) {
    throw new MoneyError('ZERO', `amount ${quote(value)} must not be zero`);
  }
  return minor;
}

/**
 * Formats minor units as a decimal string in major units with exactly the currency's number of decimals
 * ("1234.50" USD, "1234" JPY, "1.005" KWD), which is also the form parseAmount reads back unchanged.
 */
export function formatAmount(minor: bigint, currency: string): string {
  const exponent = currencyExponent(currency);
  if (typeof minor !== 'bigint') {
    throw new MoneyError('NOT_AN_INTEGER', `amount must be a bigint of minor units, got ${describe(minor)}`);
  }
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, '0');
  const text =
    exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(digits.length - exponent)}`;
  return negative ? `-${text}` : text;
}

/**
 * Checks that a value read from somewhere untyped (a database row, a message) really is an amount in minor
 * units: a bigint within ±MAX_AMOUNT_MINOR. `field` names the value in the error message.
 */
export function assertMinor(value: unknown, field = 'amount'): bigint {
  if (typeof value !== 'bigint') {
    throw new MoneyError(
      'NOT_AN_INTEGER',
      `${field} must be a bigint of minor units, got ${describe(value)}`,
    );
  }
  if (value > MAX_AMOUNT_MINOR || value < -MAX_AMOUNT_MINOR) {
    throw new MoneyError(
      'OUT_OF_RANGE',
      `${field} ${value} is out of range: its magnitude must be at most ${MAX_AMOUNT_MINOR} minor units`,
    );
  }
  return value;
}

/**
 * Adds amounts in minor units. Each element is checked with assertMinor because, in plain JavaScript, a
 * string slipping into the array would turn `+` into concatenation instead of throwing. The total itself is
 * not range-checked: bigint cannot overflow, and the caller asserts the total where it is stored.
 */
export function sumMinor(values: readonly bigint[]): bigint {
  let total = 0n;
  values.forEach((value, index) => {
    total += assertMinor(value, `values[${index}]`);
  });
  return total;
}

/** How an exact quotient is brought to an integer: toward -infinity, toward +infinity, or banker's rounding. */
export type Rounding = 'floor' | 'ceil' | 'half-even';

const ROUNDINGS: ReadonlySet<string> = new Set<Rounding>(['floor', 'ceil', 'half-even']);

/**
 * Divides exactly and rounds once, as FX conversion needs: bigint division truncates toward zero, which is
 * neither floor nor ceil for negative numerators, so the remainder decides the correction explicitly.
 * Ties under 'half-even' go to the even neighbour so that rounding errors do not drift in one direction over
 * many conversions. The denominator must be positive so that the sign of the result is the numerator's.
 */
export function divRound(numerator: bigint, denominator: bigint, rounding: Rounding): bigint {
  if (typeof numerator !== 'bigint' || typeof denominator !== 'bigint') {
    throw new TypeError('divRound takes bigint operands');
  }
  if (denominator <= 0n) {
    throw new RangeError(`divRound denominator must be positive, got ${denominator}`);
  }
  // The mode is checked up front, not only where it matters, so that a typo fails on every call and not
  // just on the rare inexact ones.
  if (!ROUNDINGS.has(rounding)) {
    throw new RangeError(`unknown rounding mode ${quote(String(rounding))}`);
  }
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  if (remainder === 0n) return quotient;
  // The remainder carries the numerator's sign, so the exact quotient lies strictly between `quotient` and
  // `quotient + step`, where step is -1 below zero and +1 above.
  const step = remainder < 0n ? -1n : 1n;
  if (rounding === 'floor') return step < 0n ? quotient - 1n : quotient;
  if (rounding === 'ceil') return step > 0n ? quotient + 1n : quotient;
  const twice = 2n * (remainder < 0n ? -remainder : remainder);
  if (twice < denominator) return quotient;
  if (twice > denominator) return quotient + step;
  return quotient % 2n === 0n ? quotient : quotient + step;
}

/** Computes a * num / den with a single rounding at the end, so no precision is lost in between. */
export function mulDiv(a: bigint, num: bigint, den: bigint, rounding: Rounding): bigint {
  return divRound(a * num, den, rounding);
}

function outOfRange(value: string, currency: string): MoneyError {
  return new MoneyError(
    'OUT_OF_RANGE',
    `amount ${quote(value)} is out of range: its magnitude must be at most ${formatAmount(MAX_AMOUNT_MINOR, currency)} ${currency}`,
  );
}

function notAStringMessage(value: unknown): string {
  if (typeof value === 'number') {
    return `amount ${String(value)} is a number; amounts must be decimal strings such as "12.50" to avoid floating-point loss`;
  }
  if (typeof value === 'bigint') {
    return `amount ${value}n is a bigint; amounts must be decimal strings in major units such as "12.50"`;
  }
  return `amount must be a decimal string such as "12.50", got ${describe(value)}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return `the number ${String(value)}`;
  if (typeof value === 'string') return `the string ${quote(value)}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

// Values are quoted with JSON escaping and cut short so that control characters or a huge payload cannot
// garble or flood the logs that error messages end up in.
function quote(value: string): string {
  if (value.length <= 40) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, 40))}… (${value.length} characters)`;
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}
