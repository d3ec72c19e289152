import { formatRatio } from '@concord/contracts';

/** An exact positive rational number: rates are never JavaScript numbers. */
export interface Ratio {
  readonly num: bigint;
  readonly den: bigint;
}

export function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** The ratio in lowest terms, with a positive denominator. */
export function ratio(num: bigint, den: bigint): Ratio {
  if (den === 0n) throw new RangeError('a ratio cannot have a zero denominator');
  if (den < 0n) [num, den] = [-num, -den];
  const g = gcd(num, den);
  return g > 1n ? { num: num / g, den: den / g } : { num, den };
}

export function multiply(a: Ratio, b: Ratio): Ratio {
  return ratio(a.num * b.num, a.den * b.den);
}

export function invert(a: Ratio): Ratio {
  if (a.num === 0n) throw new RangeError('cannot invert a zero rate');
  return ratio(a.den, a.num);
}

export function equals(a: Ratio, b: Ratio): boolean {
  return a.num * b.den === b.num * a.den;
}

/** A plain decimal string such as "7.7812" as an exact ratio (77812 / 10000, reduced: 19453 / 2500). */
export function decimalToRatio(value: string): Ratio {
  if (!/^(0|[1-9]\d{0,17})(\.\d{1,18})?$/.test(value)) {
    throw new RangeError(`"${value.slice(0, 40)}" is not a plain decimal rate`);
  }
  const [whole, fraction = ''] = value.split('.');
  return ratio(BigInt(whole + fraction), 10n ** BigInt(fraction.length));
}

/** The display form: rounded down to 12 decimals (the ratio itself is the exact rate). */
export function ratioToDecimal(r: Ratio): string {
  return formatRatio(r.num, r.den);
}

/** The ratio as strings, for messages and signatures. */
export function ratioView(r: Ratio): { num: string; den: string; decimal: string } {
  return { num: r.num.toString(), den: r.den.toString(), decimal: ratioToDecimal(r) };
}
