import type { Ratio } from './ratio';

/**
 * A reference rate as an exact ratio: `rateNum / rateDen` units of `quote` per unit of `base`, in major
 * units, with where it came from and the time the provider says it is as of.
 */
export interface Rate {
  base: string;
  quote: string;
  rateNum: bigint;
  rateDen: bigint;
  source: string;
  asOf: Date;
}

/** A rate stored in the history table: when it was loaded too. */
export interface StoredRate extends Rate {
  loadedAt: Date;
}

/** One place reference rates come from. `fetch` rejects (with a RateProviderError) rather than guess. */
export interface RateProvider {
  readonly name: string;
  /** How old its rates may get before they are stale, unless FX_RATE_MAX_AGE_MS says otherwise. */
  readonly defaultMaxAgeMs: number;
  fetch(): Promise<Rate[]>;
}

export type RateProviderErrorKind = 'timeout' | 'unavailable' | 'http-status' | 'malformed' | 'too-large';

export class RateProviderError extends Error {
  constructor(
    readonly kind: RateProviderErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'RateProviderError';
  }
}

export function rateRatio(rate: Pick<Rate, 'rateNum' | 'rateDen'>): Ratio {
  return { num: rate.rateNum, den: rate.rateDen };
}

export const HOUR_MS = 3600 * 1000;
export const DAY_MS = 24 * HOUR_MS;
