import { Problem } from '../problems/problem';
import type { QuoteRateLeg } from './quotes.service';

/**
 * A quote refused because of the reference rates (STALE_RATE, RATE_UNAVAILABLE): the problem carries the
 * rates behind the corridor, each leg with its source, as-of time, age and the age allowed, so that the
 * partner sees how stale they are. The FX provider's own error text stays internal.
 */
export class RateProblem extends Problem {
  constructor(
    status: number,
    code: string,
    title: string,
    detail: string,
    readonly rates: { stale: boolean; ageing: boolean; legs: QuoteRateLeg[] },
    headers: Record<string, string> = {},
  ) {
    super(status, code, title, detail, undefined, headers);
  }

  override toJSON() {
    return { ...super.toJSON(), rates: this.rates };
  }
}
