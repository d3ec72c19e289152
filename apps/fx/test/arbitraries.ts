import fc from 'fast-check';
import type { Ratio } from '../src/rates/ratio';
import { ratio } from '../src/rates/ratio';
import type { FeeSchedule } from '../src/quotes/quote-calculator';

/** One currency per exponent (0, 2, 3), plus the demo ones: rounding depends on nothing else. */
export const CURRENCIES = ['JPY', 'USD', 'KWD', 'PHP', 'HKD', 'EUR', 'SGD'] as const;

export const currencyPair = fc
  .tuple(fc.constantFrom(...CURRENCIES), fc.constantFrom(...CURRENCIES))
  .filter(([a, b]) => a !== b);

/** Rates as providers give them: up to 12 significant digits with up to 8 decimals, 0.0001 .. 100000. */
export const midRate: fc.Arbitrary<Ratio> = fc
  .tuple(fc.bigInt({ min: 1n, max: 10n ** 9n }), fc.integer({ min: 0, max: 8 }))
  .map(([digits, places]) => ratio(digits, 10n ** BigInt(places)))
  .filter((r) => r.num * 10_000n >= r.den && r.num <= r.den * 100_000n);

export const bps = (max: number) => fc.integer({ min: 0, max });

export const amountMinor = fc.oneof(
  fc.bigInt({ min: 1n, max: 1000n }),
  fc.bigInt({ min: 1n, max: 10n ** 9n }),
  fc.bigInt({ min: 1n, max: 10n ** 13n }),
);

export const feeSchedule: fc.Arbitrary<FeeSchedule> = fc
  .tuple(
    fc.bigInt({ min: 0n, max: 10_000n }),
    fc.integer({ min: 0, max: 2000 }),
    fc.bigInt({ min: 0n, max: 10_000n }),
    fc.option(fc.bigInt({ min: 0n, max: 1_000_000n }), { nil: null }),
  )
  .map(([fixedMinor, percentBps, minMinor, extra]) => ({
    fixedMinor,
    percentBps,
    minMinor,
    maxMinor: extra === null ? null : minMinor + extra,
  }));
