import { createHash, randomBytes } from 'node:crypto';
import type { AppRule, FxQuote, RouteOptionView, RouteRequest, RoutesAnswer } from '@concord/contracts';
import { formatAmount } from '@concord/money';
import type { Directory } from '../participants/directory';
import { amountOf } from '../http/parse';
import { refuse } from '../http/routing.errors';
import { LiveOffer, OffersService, withinHours } from '../offers/offers.service';
import type { PartnerStats } from './partner-stats';
import { FxTerms, localTerms, payoutFor, price, Price, sameCurrencyTerms } from './pricing';
import type { Quotes } from './quotes';
import { termsOf } from './quotes';
import { Candidate, rank, Ranked } from './ranking';
import type { RouteOptionsRepository, StoredOption } from './route-options.repository';

/** Orders in flight per partner: how many, and how much of each currency they hold reserved. */
export interface InFlight {
  count(partner: string): number;
  amountMinor(partner: string, currency: string): bigint;
}

export interface PlanOptions {
  /** Partners not to offer (those an order tried already). */
  exclude?: string[];
  limit?: number;
  /** Picks the volume split's partner; random when absent. */
  draw?: number;
  /** Overrides the request's amount: the payout to fix (a reroute keeps the recipient's amount). */
  recipientMinor?: bigint;
}

export interface Defaults {
  optionTtlMs: number;
  strategy: RoutingStrategyName;
}
type RoutingStrategyName = NonNullable<RouteRequest['strategy']>;

function corridorName(r: RouteRequest): string {
  return `${r.sendCurrency} to ${r.destinationCountry} in ${r.destinationCurrency}`;
}

function ruleBounds(currency: string) {
  return (r: AppRule): [bigint | null, bigint | null] => [
    r.minAmount === undefined ? null : amountOf(r.minAmount, currency, 'rules.minAmount'),
    r.maxAmount === undefined ? null : amountOf(r.maxAmount, currency, 'rules.maxAmount'),
  ];
}

/**
 * Ranked payout routes. Candidates are priced locally (offer fees, and the FX terms of the pair's last
 * quote), filtered (corridor, method, hours, amounts, liquidity, partners failing now) and ranked by the
 * app's strategy; only the options answered get a signed FX quote each, and are priced again on it.
 */
export class RoutesService {
  constructor(
    private readonly offers: OffersService,
    private readonly directory: Directory,
    private readonly stats: PartnerStats,
    private readonly inFlight: InFlight,
    private readonly quotes: Quotes,
    private readonly options: RouteOptionsRepository,
    private readonly defaults: Defaults,
  ) {}

  async routes(appId: string, request: RouteRequest): Promise<RoutesAnswer> {
    const planned = await this.plan(appId, request);
    await this.options.save(appId, request, planned);
    return { strategy: request.strategy ?? this.defaults.strategy, options: planned.map((p) => p.view) };
  }

  /** The options for `request`, best first, each with its signed quote. */
  async plan(appId: string, request: RouteRequest, opts: PlanOptions = {}): Promise<StoredOption[]> {
    const src = request.sendCurrency;
    const dst = request.destinationCurrency;
    const fixed =
      opts.recipientMinor !== undefined
        ? { receiveMinor: opts.recipientMinor }
        : request.sendAmount !== undefined
          ? { sendMinor: amountOf(request.sendAmount, src, 'sendAmount') }
          : { receiveMinor: amountOf(request.receiveAmount!, dst, 'receiveAmount') };
    const offers = this.corridorOffers(appId, request, opts.exclude ?? []);
    // A fixed send amount converts the same whatever the partner: one signed quote serves every option of
    // the answer (an order uses it once; see OrdersService). A fixed receive amount needs one per payout.
    const shared =
      src !== dst && 'sendMinor' in fixed ? await this.quotes.quote(src, dst, fixed, appId) : null;
    const sample =
      src === dst ? undefined : shared ? termsOf(shared) : await this.sampleTerms(src, dst, fixed, appId);
    const { candidates, outside } = this.candidates(offers, fixed, sample, src, dst);
    if (candidates.length === 0) {
      refuse({
        kind: 'NO_ROUTE',
        detail: outside
          ? `the amount is outside every offer of ${corridorName(request)}`
          : `no partner of ${corridorName(request)} can take the order now (limits, hours or failures)`,
      });
    }
    const strategy = request.strategy ?? this.defaults.strategy;
    const { ranked } = rank(
      candidates,
      { strategy, rules: request.rules ?? [], split: request.split, splitDraw: opts.draw ?? Math.random() },
      ruleBounds(dst),
    );
    if (ranked.length === 0) refuse({ kind: 'NO_ROUTE', detail: 'every partner is failing now or avoided' });
    const top = ranked.slice(0, opts.limit ?? request.limit ?? 3);
    // A fixed receive amount: each option's payout differs, so each needs its own quote, all asked at once.
    const own =
      src !== dst && !shared
        ? await this.quotes.quotes(
            src,
            dst,
            top.map((r) => ({ receiveMinor: r.price.payoutMinor })),
            appId,
          )
        : null;
    return top.map((r, i) => this.signedOption(appId, request, r, i + 1, shared ?? own?.[i] ?? null));
  }

  private corridorOffers(appId: string, request: RouteRequest, exclude: string[]): LiveOffer[] {
    const inCorridor = this.offers.inForce().filter((o) => {
      const c = o.body.corridor;
      return (
        c.sendCurrency === request.sendCurrency &&
        c.destinationCountry === request.destinationCountry &&
        c.destinationCurrency === request.destinationCurrency &&
        this.directory.canReceive(o.partnerId, c.destinationCurrency) &&
        o.partnerId !== appId
      );
    });
    if (inCorridor.length === 0) refuse({ kind: 'UNKNOWN_CORRIDOR', corridor: corridorName(request) });
    const now = Date.now();
    return inCorridor.filter(
      (o) =>
        o.body.methods.includes(request.method) &&
        withinHours(o.body.hours, now) &&
        !exclude.includes(o.partnerId),
    );
  }

  /** FX terms to rank on: a recent quote's, or a quote asked for now (whose terms then serve a while). */
  private async sampleTerms(
    src: string,
    dst: string,
    fixed: { sendMinor: bigint } | { receiveMinor: bigint },
    appId: string,
  ): Promise<FxTerms> {
    return this.quotes.sample(src, dst) ?? termsOf(await this.quotes.quote(src, dst, fixed, appId));
  }

  private termsFor(
    offer: LiveOffer,
    fixed: { sendMinor: bigint } | { receiveMinor: bigint },
    sample: FxTerms | undefined,
    src: string,
  ): FxTerms {
    const fee = { fixedMinor: offer.feeFixedMinor, bps: offer.body.fee.bps };
    if (!sample) {
      return sameCurrencyTerms(
        src,
        'sendMinor' in fixed ? fixed.sendMinor : payoutFor(fixed.receiveMinor, fee),
      );
    }
    return localTerms(
      sample,
      'sendMinor' in fixed ? fixed : { receiveMinor: payoutFor(fixed.receiveMinor, fee) },
    );
  }

  private candidates(
    offers: LiveOffer[],
    fixed: { sendMinor: bigint } | { receiveMinor: bigint },
    sample: FxTerms | undefined,
    src: string,
    dst: string,
  ): { candidates: Candidate<LiveOffer>[]; outside: boolean } {
    const candidates: Candidate<LiveOffer>[] = [];
    let outside = offers.length > 0;
    for (const offer of offers) {
      const p = price(this.termsFor(offer, fixed, sample, src), {
        fixedMinor: offer.feeFixedMinor,
        bps: offer.body.fee.bps,
      });
      if (p.payoutMinor < offer.minMinor || p.payoutMinor > offer.maxMinor || p.recipientMinor <= 0n)
        continue;
      outside = false;
      const held = this.inFlight.amountMinor(offer.partnerId, dst);
      if (offer.capacityMinor !== null && held + p.payoutMinor > offer.capacityMinor) continue;
      candidates.push({
        partner: offer.partnerId,
        offerId: offer.offerId,
        price: p,
        promisedMs: offer.body.deliveryMs,
        record: this.stats.of(offer.partnerId),
        inFlight: this.inFlight.count(offer.partnerId),
        ref: offer,
      });
    }
    return { candidates, outside };
  }

  /** The option shown: its signed quote (currencies differ), priced again on that quote exactly. */
  private signedOption(
    appId: string,
    request: RouteRequest,
    ranked: Ranked<LiveOffer>,
    rankNo: number,
    quote: FxQuote | null,
  ): StoredOption {
    const offer = ranked.ref;
    const src = request.sendCurrency;
    const dst = request.destinationCurrency;
    const fee = { fixedMinor: offer.feeFixedMinor, bps: offer.body.fee.bps };
    const exact: Price = quote ? price(termsOf(quote), fee) : ranked.price;
    const expiresAtMs = Math.min(Date.now() + this.defaults.optionTtlMs, quote?.expiresAtMs ?? Infinity);
    const view: RouteOptionView = {
      optionId: `opt_${randomBytes(9).toString('base64url')}`,
      rank: rankNo,
      partner: ranked.partner,
      offerId: offer.offerId,
      offerVersion: offer.version,
      method: request.method,
      sendCurrency: src,
      destinationCurrency: dst,
      sendAmount: formatAmount(exact.totalPaidMinor, src),
      recipientAmount: formatAmount(exact.recipientMinor, dst),
      totalCost: formatAmount(exact.totalCostMinor, src),
      costBps: exact.costBps,
      costParts: {
        fxSpread: formatAmount(exact.spreadMinor, src),
        partnerFee: formatAmount(exact.partnerFeeSendMinor, src),
        networkFee: formatAmount(exact.networkFeeMinor, src),
      },
      expectedDeliveryMs: ranked.record.medianPayoutMs ?? offer.body.deliveryMs,
      successRate: Math.round(ranked.successRate * 1000) / 1000,
      explanation: `#${rankNo} by ${request.strategy ?? this.defaults.strategy}: ${ranked.explanation}`,
      expiresAt: new Date(expiresAtMs).toISOString(),
      quote,
    };
    return {
      view,
      promisedMs: offer.body.deliveryMs,
      payoutMinor: exact.payoutMinor.toString(),
      recipientMinor: exact.recipientMinor.toString(),
      totalCostMinor: exact.totalCostMinor.toString(),
      valueMinor: exact.sendMinor.toString(),
    };
  }
}

/** A draw in [0, 1) from a string, so that a volume split is the same for the same order. */
export function drawOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;
}
