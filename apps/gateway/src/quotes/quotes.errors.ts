import type { QuoteRateLeg } from '@concord/contracts';
import { DomainFailure, mapProblem, ProblemMap } from '@concord/http-problems';
import { FieldError, invalidInput, Problem } from '../problems/problem';

/** The rates behind a corridor a refused quote shows (the contract's quoteRatesProblemSchema). */
export interface QuoteRates {
  stale: boolean;
  ageing: boolean;
  legs: QuoteRateLeg[];
}

/** Expected outcomes of asking for a quote. */
export type QuoteError =
  | { kind: 'INVALID_BODY'; errors: FieldError[] }
  | { kind: 'FX_TIMEOUT' }
  /** The rates behind the corridor are stale: which, from where, as of when and how old. */
  | { kind: 'STALE_RATE'; detail: string; rates: QuoteRates }
  | { kind: 'RATE_UNAVAILABLE'; sourceCurrency: string; targetCurrency: string }
  /** Any other refusal of the FX service, by its code (FX_CODES). */
  | { kind: 'FX_REFUSED'; code: string; message: string; field?: string };

/** FX error codes and how they reach the partner: status and title. */
const FX_CODES: Record<string, [number, string]> = {
  INVALID_REQUEST: [400, 'The quote request is not valid'],
  INVALID_AMOUNT: [400, 'The amount is not valid'],
  UNKNOWN_CURRENCY: [400, 'Unknown currency'],
  UNKNOWN_CORRIDOR: [422, 'No quotes for this corridor'],
  RATE_UNAVAILABLE: [503, 'No rate for this corridor now'],
  STALE_RATE: [503, 'The rates for this corridor are stale'],
  REQUEST_EXPIRED: [503, 'The FX service did not answer in time'],
  INTERNAL: [502, 'The FX service failed'],
};

/** An FX refusal as a problem: its status and title by code, Retry-After on the 503s. */
function fxProblem(code: string, options: { detail: string; errors?: FieldError[]; extensions?: object }) {
  const [status, title] = FX_CODES[code] ?? [502, 'The FX service failed'];
  const headers: Record<string, string> = status === 503 ? { 'retry-after': '5' } : {};
  return new Problem(status, code, title, { ...options, headers, extensions: { ...options.extensions } });
}

/** The one table of the quotes domain's problems; exhaustive: an error without a row does not compile. */
export const QUOTE_PROBLEMS: ProblemMap<QuoteError> = {
  INVALID_BODY: (e) => invalidInput('body', e.errors),
  FX_TIMEOUT: () =>
    new Problem(504, 'FX_TIMEOUT', 'The FX service did not answer in time', {
      detail: 'retry shortly',
      headers: { 'retry-after': '1' },
    }),
  STALE_RATE: (e) => fxProblem('STALE_RATE', { detail: e.detail, extensions: { rates: e.rates } }),
  // The FX service's message may name its provider's failure: internal, not the partner's business.
  RATE_UNAVAILABLE: (e) =>
    fxProblem('RATE_UNAVAILABLE', {
      detail: `no reference rate for ${e.sourceCurrency} to ${e.targetCurrency} is available now; retry later`,
    }),
  FX_REFUSED: (e) =>
    fxProblem(e.code, {
      detail: e.message,
      ...(e.field ? { errors: [{ field: e.field, message: e.message }] } : {}),
    }),
};

/** A quote refused with an expected outcome; answered through QUOTE_PROBLEMS. */
export class QuoteFailure extends DomainFailure<QuoteError> {
  toProblem(): Problem {
    return mapProblem(QUOTE_PROBLEMS, this.error);
  }
}
