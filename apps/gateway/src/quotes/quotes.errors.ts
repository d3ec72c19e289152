import type { QuoteRateLeg } from '@concord/contracts';
import { Problem } from '../problems/problem';

/**
 * A quote refused because of the reference rates (STALE_RATE): the problem carries the rates behind the
 * corridor, each leg with its source, as-of time, age and the age allowed, so that the partner sees how
 * stale they are (the contract's quoteRatesProblemSchema). The FX provider's own error text stays internal.
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
    super(status, code, title, { detail, headers, extensions: { rates } });
  }
}
