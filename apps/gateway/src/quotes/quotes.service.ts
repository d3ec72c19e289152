import {
  quoteRequestSchema,
  type FxQuote,
  type FxQuoteBreakdown,
  type FxQuoteReply,
  type FxRateStatus,
  type QuoteAnswer,
  type QuoteBreakdownView,
  type QuoteRateLeg,
  type QuoteRateView,
  parseJsonBody,
} from '@concord/contracts';
import { FxClient, FxTimeoutError } from '@concord/fx-client';
import { formatAmount } from '@concord/money';
import type { KnownParticipant } from '../auth/participants.repository';
import { fieldErrors } from '../problems/problem';
import { QuoteFailure, QuoteRates } from './quotes.errors';

const iso = (ms: number) => new Date(ms).toISOString();

function legViews(status: FxRateStatus): QuoteRateLeg[] {
  return status.legs.map((l) => ({
    pair: l.pair,
    source: l.source,
    asOf: iso(l.asOfMs),
    ageMs: l.ageMs,
    maxAgeMs: l.maxAgeMs,
    stale: l.stale,
  }));
}

/**
 * The rates behind a quote. An FX reply without the rate status comes from an FX service that sent it
 * only while its rates were ageing: without it they were not, and the age is taken from the quote.
 */
export function rateView(quote: FxQuote, status: FxRateStatus | undefined): QuoteRateView {
  const legs = status ? legViews(status) : [];
  return {
    source: quote.rateSource,
    asOf: iso(quote.rateAsOfMs),
    ageMs: legs.length > 0 ? Math.max(...legs.map((l) => l.ageMs)) : quote.createdAtMs - quote.rateAsOfMs,
    maxAgeMs: legs.length > 0 ? Math.min(...legs.map((l) => l.maxAgeMs)) : null,
    ageing: status?.ageing ?? false,
    lastRefreshAt: status?.lastSuccessAtMs != null ? iso(status.lastSuccessAtMs) : null,
    legs,
  };
}

/** The FX service's breakdown (minor units) as decimal strings in the source currency. */
export function breakdownView(quote: FxQuote, breakdown: FxQuoteBreakdown): QuoteBreakdownView {
  const ccy = quote.sourceCurrency;
  const amount = (minor: string) => formatAmount(BigInt(minor), ccy);
  return {
    currency: ccy,
    principal: amount(breakdown.principalMinor),
    spread: amount(breakdown.spreadMinor),
    feeFixed: amount(breakdown.feeFixedMinor),
    feePercentage: amount(breakdown.feePercentageMinor),
    feePercentBps: breakdown.feePercentBps,
    feeAdjustment: amount(breakdown.feeAdjustmentMinor),
    fee: quote.fee,
    totalCost: quote.totalCost,
  };
}

/**
 * Asks the FX service for a signed quote for the caller (always the payer, so its markup applies). The
 * partner puts the whole signed quote in its transfer; the ledger checks it again on its own. The answer
 * also says how old the rates behind it are and whether they are ageing, and what the total cost is made
 * of; a quote refused for stale rates says which rate, from where, as of when and how old.
 */
export class QuotesService {
  constructor(private readonly fx: Pick<FxClient, 'quote'>) {}

  async quote(caller: KnownParticipant, body: string): Promise<QuoteAnswer> {
    const json = parseJsonBody(body);
    if (!json.ok) throw new QuoteFailure({ kind: 'INVALID_BODY', errors: [json.error] });
    const parsed = quoteRequestSchema.safeParse(json.value);
    if (!parsed.success) {
      throw new QuoteFailure({ kind: 'INVALID_BODY', errors: fieldErrors(parsed.error.issues, '(body)') });
    }
    let reply;
    try {
      reply = await this.fx.quote({ ...parsed.data, payer: caller.id });
    } catch (e) {
      if (e instanceof FxTimeoutError) throw new QuoteFailure({ kind: 'FX_TIMEOUT' });
      throw e;
    }
    if (reply.ok) return this.answer(reply);
    const { code, field, message, rates } = reply.error;
    if (code === 'STALE_RATE' && rates) {
      const detail = staleDetail(parsed.data, rates);
      throw new QuoteFailure({ kind: 'STALE_RATE', detail, rates: rateState(rates) });
    }
    if (code === 'RATE_UNAVAILABLE') {
      const { sourceCurrency, targetCurrency } = parsed.data;
      throw new QuoteFailure({ kind: 'RATE_UNAVAILABLE', sourceCurrency, targetCurrency });
    }
    throw new QuoteFailure({ kind: 'FX_REFUSED', code, message, field });
  }

  private answer(reply: FxQuoteReply): QuoteAnswer {
    const { quote, rates, breakdown } = reply;
    return {
      quote,
      rate: rateView(quote, rates),
      breakdown: breakdown ? breakdownView(quote, breakdown) : null,
    };
  }
}

function rateState(status: FxRateStatus): QuoteRates {
  return { stale: status.legs.some((l) => l.stale), ageing: status.ageing, legs: legViews(status) };
}

/** Which rate is stale, from where, as of when and how old: in words, for the problem's detail. */
function staleDetail(
  request: { sourceCurrency: string; targetCurrency: string },
  status: FxRateStatus,
): string {
  const stale = status.legs.filter((l) => l.stale);
  const each = stale.map(
    (l) =>
      `the ${l.pair} rate from ${l.source} is as of ${iso(l.asOfMs)}, ${Math.round(l.ageMs / 1000)} s old, ` +
      `more than the ${Math.round(l.maxAgeMs / 1000)} s allowed`,
  );
  const why = status.ageing
    ? 'the FX rate provider is failing and no newer rates came in'
    : 'the FX rate provider has nothing newer';
  return (
    `The rates for ${request.sourceCurrency} to ${request.targetCurrency} are stale: ${each.join('; ')}. ` +
    `No quote is given on stale rates (${why}); retry later.`
  );
}
