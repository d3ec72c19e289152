import type { FxQuote } from '@concord/contracts';
import type { FxClient } from '@concord/fx-client';
import { formatAmount } from '@concord/money';
import { refuse } from '../http/routing.errors';
import type { FxTerms } from './pricing';

/** The terms of a signed quote in bigint minor units, for pricing. */
export function termsOf(quote: FxQuote): FxTerms {
  return {
    sourceCurrency: quote.sourceCurrency,
    targetCurrency: quote.targetCurrency,
    sendMinor: BigInt(quote.sendAmountMinor),
    receiveMinor: BigInt(quote.receiveAmountMinor),
    feeMinor: BigInt(quote.feeMinor),
    rate: { num: BigInt(quote.rate.num), den: BigInt(quote.rate.den) },
    midRate: { num: BigInt(quote.midRate.num), den: BigInt(quote.midRate.den) },
  };
}

/** How long a quote's terms serve local pricing (ranking only: every option shown carries its own quote). */
const SAMPLE_TTL_MS = 5_000;

/**
 * Signed quotes from the FX service (over Kafka, libs/fx-client), one per option shown. The terms of the
 * last quote of each currency pair are kept a few seconds, so that candidates are priced and ranked
 * locally and only the options answered cost a signature.
 */
export class Quotes {
  private readonly samples = new Map<string, { terms: FxTerms; atMs: number }>();

  constructor(
    private readonly fx: FxClient,
    private readonly timeoutMs: number,
  ) {}

  sample(source: string, target: string, nowMs = Date.now()): FxTerms | undefined {
    const s = this.samples.get(`${source}>${target}`);
    return s && nowMs - s.atMs < SAMPLE_TTL_MS ? s.terms : undefined;
  }

  async quote(
    source: string,
    target: string,
    fixed: { sendMinor: bigint } | { receiveMinor: bigint },
    payer: string,
  ): Promise<FxQuote> {
    return (await this.quotes(source, target, [fixed], payer))[0];
  }

  /**
   * One signed quote per amount, all in one request and one reply of the FX service (`quote-batch`): a
   * routes answer with a fixed receive amount costs one round trip, not one per option.
   */
  async quotes(
    source: string,
    target: string,
    amounts: ({ sendMinor: bigint } | { receiveMinor: bigint })[],
    payer: string,
  ): Promise<FxQuote[]> {
    const items = amounts.map((fixed) => ({
      sourceCurrency: source,
      targetCurrency: target,
      payer,
      ...('sendMinor' in fixed
        ? { sendAmount: formatAmount(fixed.sendMinor, source) }
        : { receiveAmount: formatAmount(fixed.receiveMinor, target) }),
    }));
    let reply;
    try {
      reply =
        items.length === 1
          ? await this.fx.quote(items[0], { timeoutMs: this.timeoutMs })
          : await this.fx.request('quote-batch', { quotes: items }, { timeoutMs: this.timeoutMs });
    } catch (e) {
      refuse({ kind: 'FX_UNAVAILABLE', detail: e instanceof Error ? e.message : String(e) });
    }
    if (!reply.ok) refuse({ kind: 'FX_UNAVAILABLE', detail: `${reply.error.code}: ${reply.error.message}` });
    const results = reply.type === 'quote' ? [reply] : reply.results;
    const quotes = results.map((r) => {
      if (!r.ok) refuse({ kind: 'FX_UNAVAILABLE', detail: `${r.error.code}: ${r.error.message}` });
      return r.quote;
    });
    this.samples.set(`${source}>${target}`, { terms: termsOf(quotes[0]), atMs: Date.now() });
    return quotes;
  }
}
