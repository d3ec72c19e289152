import type { StoredRate } from './rate';
import { invert, multiply, Ratio, ratio } from './ratio';

/** One stored rate used by a conversion, possibly inverted (PHP->USD from a USD/PHP rate). */
export interface RateLeg {
  pair: string;
  rate: Ratio;
  inverted: boolean;
  source: string;
  asOfMs: number;
}

/** How to get from one currency to another: directly, or through a pivot currency. */
export interface RatePath {
  from: string;
  to: string;
  /** Exact: the product of the legs, in lowest terms. */
  rate: Ratio;
  legs: RateLeg[];
  /** The legs' sources, joined with "+" when they differ. */
  source: string;
  /** The as-of time of the oldest leg: a path is as old as its oldest rate. */
  asOfMs: number;
}

export interface LegAge {
  pair: string;
  source: string;
  asOfMs: number;
  ageMs: number;
  maxAgeMs: number;
  stale: boolean;
}

/**
 * The latest stored rate of each pair, and exact conversions between any two currencies they connect:
 * a direct rate (or its inverse), else a cross rate through a pivot (the configured one first, then each
 * base currency the rates are quoted against, in alphabetical order, so the choice is deterministic).
 */
export class RateBook {
  private readonly byPair = new Map<string, StoredRate>();
  private readonly pivots: string[];

  constructor(
    readonly rates: readonly StoredRate[],
    pivot: string,
  ) {
    for (const r of rates) this.byPair.set(`${r.base}/${r.quote}`, r);
    const bases = [...new Set(rates.map((r) => r.base))].sort();
    this.pivots = [pivot, ...bases.filter((b) => b !== pivot)];
  }

  get size(): number {
    return this.byPair.size;
  }

  /** The conversion from `from` to `to`, or null when the rates do not connect them. */
  path(from: string, to: string): RatePath | null {
    if (from === to) return null;
    const direct = this.leg(from, to);
    if (direct) return this.combine(from, to, [direct]);
    for (const pivot of this.pivots) {
      if (pivot === from || pivot === to) continue;
      const first = this.leg(from, pivot);
      const second = first && this.leg(pivot, to);
      if (first && second) return this.combine(from, to, [first, second]);
    }
    return null;
  }

  /** A direct rate from -> to, stored as such or inverted; the fresher one when both are stored. */
  private leg(from: string, to: string): RateLeg | null {
    const straight = this.byPair.get(`${from}/${to}`);
    const reverse = this.byPair.get(`${to}/${from}`);
    const useReverse = reverse && (!straight || reverse.asOf.getTime() > straight.asOf.getTime());
    const chosen = useReverse ? reverse : straight;
    if (!chosen) return null;
    const stored = ratio(chosen.rateNum, chosen.rateDen);
    return {
      pair: `${chosen.base}/${chosen.quote}`,
      rate: useReverse ? invert(stored) : stored,
      inverted: Boolean(useReverse),
      source: chosen.source,
      asOfMs: chosen.asOf.getTime(),
    };
  }

  private combine(from: string, to: string, legs: RateLeg[]): RatePath {
    return {
      from,
      to,
      rate: legs.map((l) => l.rate).reduce(multiply),
      legs,
      source: [...new Set(legs.map((l) => l.source))].join('+'),
      asOfMs: Math.min(...legs.map((l) => l.asOfMs)),
    };
  }
}

/** A rate's age at `nowMs` by its as-of time; older than `maxAgeMs`, it is stale. */
export function rateAge(asOfMs: number, nowMs: number, maxAgeMs: number) {
  const ageMs = nowMs - asOfMs;
  return { ageMs, maxAgeMs, stale: ageMs > maxAgeMs };
}

/** Each leg's age at `nowMs`; a leg older than `maxAgeMs` is stale, and so is any path through it. */
export function legAges(path: RatePath, nowMs: number, maxAgeMs: number): LegAge[] {
  return path.legs.map((leg) => ({
    pair: leg.pair,
    source: leg.source,
    asOfMs: leg.asOfMs,
    ...rateAge(leg.asOfMs, nowMs, maxAgeMs),
  }));
}
