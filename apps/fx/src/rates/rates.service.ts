import type { FxRateStatus } from '@concord/contracts';
import type { Logger } from '@concord/observability';
import { FxServiceError } from '../errors';
import type { FxMetrics } from '../metrics';
import { RateProvider, RateProviderError } from './rate';
import { legAges, RateBook, RatePath, rateAge } from './rate-book';
import { Ratio, ratio } from './ratio';
import { ProviderHistory, RatesRepository } from './rates.repository';

/** The largest numerator or denominator fx.rates can hold (bigint columns: 2^63 - 1). */
export const MAX_STORED_RATE_PART = 2n ** 63n - 1n;

export interface RatesServiceOptions {
  provider: RateProvider;
  /** A rate older than this (by its as-of time) is stale. */
  maxAgeMs: number;
  /** The preferred pivot currency of cross rates. */
  pivot: string;
  log: Logger;
  metrics?: FxMetrics;
  /** How long a loaded snapshot of the rates serves quotes before it is read again (default 1 s). */
  cacheMs?: number;
  now?: () => number;
}

export interface RefreshOutcome {
  ok: boolean;
  /** Rates stored (unchanged rates are not stored again). */
  stored: number;
  error?: string;
  kind?: string;
}

/** One pair's latest reference rate as operators see it. */
export interface CurrentRate {
  pair: string;
  base: string;
  quote: string;
  /** Exact, in lowest terms: units of quote per unit of base. */
  rate: Ratio;
  source: string;
  asOfMs: number;
  loadedAtMs: number;
  ageMs: number;
  maxAgeMs: number;
  stale: boolean;
}

/** One stored rate of a pair's history. */
export type RateHistoryEntry = Omit<CurrentRate, 'ageMs' | 'maxAgeMs' | 'stale'>;

interface Snapshot {
  at: number;
  book: RateBook;
  history: ProviderHistory;
}

/**
 * The reference rates: refreshes them from the provider into the history table and serves exact rates
 * between any two currencies. A failed refresh keeps the last good rates: they keep serving until they
 * are older than the max age, while the failure shows in the log, in metrics (fx_rates_ageing) and in
 * the `rates` field of quote errors. Rates are read from the database, so that every FX instance quotes
 * on what the one that ran the refresh stored.
 */
export class RatesService {
  private cached: Snapshot | null = null;
  private readonly now: () => number;

  constructor(
    private readonly repo: RatesRepository,
    private readonly options: RatesServiceOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get providerName(): string {
    return this.options.provider.name;
  }

  get maxAgeMs(): number {
    return this.options.maxAgeMs;
  }

  async refresh(): Promise<RefreshOutcome> {
    const { provider, log, metrics } = this.options;
    const startedAt = new Date(this.now());
    try {
      const rates = await provider.fetch();
      if (rates.length === 0) throw new RateProviderError('malformed', `${provider.name} returned no rates`);
      // The history table keeps ratios in 64-bit columns: a rate with more digits than that cannot be
      // stored exactly, and is refused as a whole refresh rather than rounded.
      const unstorable = rates.find(
        (r) => r.rateNum > MAX_STORED_RATE_PART || r.rateDen > MAX_STORED_RATE_PART,
      );
      if (unstorable) {
        throw new RateProviderError(
          'malformed',
          `${provider.name}: the ${unstorable.base}/${unstorable.quote} rate ${unstorable.rateNum}/${unstorable.rateDen} ` +
            'has more digits than 64 bits can store exactly',
        );
      }
      const stored = await this.repo.save(rates);
      await this.repo.recordRefresh({ provider: provider.name, startedAt, ok: true, loaded: stored });
      metrics?.refreshes.inc({ provider: provider.name, outcome: 'ok' });
      metrics?.ageing.set({ provider: provider.name }, 0);
      metrics?.lastSuccess.set({ provider: provider.name }, this.now() / 1000);
      log.info({ provider: provider.name, rates: rates.length, stored }, 'reference rates refreshed');
      return { ok: true, stored };
    } catch (e) {
      const kind = e instanceof RateProviderError ? e.kind : 'error';
      const error = e instanceof Error ? e.message : String(e);
      await this.repo
        .recordRefresh({ provider: provider.name, startedAt, ok: false, loaded: 0, error })
        .catch((err: Error) => log.error({ err: err.message }, 'cannot record the failed refresh'));
      metrics?.refreshes.inc({ provider: provider.name, outcome: kind });
      metrics?.ageing.set({ provider: provider.name }, 1);
      const history = await this.repo.providerHistory(provider.name).catch(() => null);
      log.warn(
        { provider: provider.name, kind, err: error, lastSuccessAt: history?.lastSuccessAt ?? null },
        'rate refresh failed: keeping the last good rates, which are ageing',
      );
      return { ok: false, stored: 0, error, kind };
    } finally {
      this.cached = null;
    }
  }

  /** The latest rates and the provider's refresh history, read at most once per cacheMs. */
  async snapshot(): Promise<Snapshot> {
    const now = this.now();
    if (this.cached && now - this.cached.at < (this.options.cacheMs ?? 1000)) return this.cached;
    const [rates, history] = await Promise.all([
      this.repo.latestAll(),
      this.repo.providerHistory(this.options.provider.name),
    ]);
    const book = new RateBook(rates, this.options.pivot);
    if (rates.length > 0) {
      const oldest = Math.min(...rates.map((r) => r.asOf.getTime()));
      this.options.metrics?.oldestRateAge.set({ provider: this.providerName }, (now - oldest) / 1000);
    }
    this.cached = { at: now, book, history };
    return this.cached;
  }

  /**
   * Every pair's latest rate with its source, as-of time and whether it is stale, and the provider's
   * state (the last refresh failed: `ageing`), for operators.
   */
  async current(): Promise<{ status: Omit<FxRateStatus, 'legs'>; maxAgeMs: number; rates: CurrentRate[] }> {
    const { book, history } = await this.snapshot();
    const now = this.now();
    const rates = [...book.rates]
      .sort((a, b) => a.base.localeCompare(b.base) || a.quote.localeCompare(b.quote))
      .map((r) => ({
        pair: `${r.base}/${r.quote}`,
        base: r.base,
        quote: r.quote,
        rate: ratio(r.rateNum, r.rateDen),
        source: r.source,
        asOfMs: r.asOf.getTime(),
        loadedAtMs: r.loadedAt.getTime(),
        ...rateAge(r.asOf.getTime(), now, this.options.maxAgeMs),
      }));
    return { status: this.providerStatus(history), maxAgeMs: this.options.maxAgeMs, rates };
  }

  /**
   * A pair's stored rates as operators see them, the most recently loaded first: each with its source,
   * as-of time and load time. Only the pair as the provider quotes it (USD/PHP, not PHP/USD).
   */
  async history(base: string, quote: string, limit: number): Promise<RateHistoryEntry[]> {
    const rows = await this.repo.history(base, quote, limit);
    return rows.map((r) => ({
      pair: `${r.base}/${r.quote}`,
      base: r.base,
      quote: r.quote,
      rate: ratio(r.rateNum, r.rateDen),
      source: r.source,
      asOfMs: r.asOf.getTime(),
      loadedAtMs: r.loadedAt.getTime(),
    }));
  }

  private providerStatus(history: ProviderHistory): Omit<FxRateStatus, 'legs'> {
    return {
      provider: this.providerName,
      ageing: history.ageing,
      lastSuccessAtMs: history.lastSuccessAt?.getTime() ?? null,
      lastFailureAtMs: history.lastFailureAt?.getTime() ?? null,
      lastError: history.lastError,
    };
  }

  /**
   * The exact mid rate from `from` to `to`, with the status of the rates behind it. Refuses with
   * RATE_UNAVAILABLE when no rates connect the two currencies, and STALE_RATE when a leg is too old.
   */
  async resolve(from: string, to: string): Promise<{ path: RatePath; status: FxRateStatus }> {
    const { book, history } = await this.snapshot();
    const now = this.now();
    const path = book.path(from, to);
    const base = this.providerStatus(history);
    if (!path) {
      throw new FxServiceError(
        'RATE_UNAVAILABLE',
        book.size === 0
          ? `no reference rates loaded yet${history.lastError ? ` (last refresh failed: ${history.lastError})` : ''}`
          : `no reference rate connects ${from} and ${to}`,
        { rates: { ...base, legs: [] } },
      );
    }
    const legs = legAges(path, now, this.options.maxAgeMs);
    const status: FxRateStatus = { ...base, legs };
    const stale = legs.find((l) => l.stale);
    if (stale) {
      const why = history.ageing
        ? `the ${this.providerName} provider is failing (${history.lastError ?? 'unknown error'})`
        : `the ${this.providerName} provider has nothing newer`;
      throw new FxServiceError(
        'STALE_RATE',
        `the ${stale.pair} rate from ${stale.source} is as of ${new Date(stale.asOfMs).toISOString()}, ` +
          `${Math.round(stale.ageMs / 1000)} s old, more than the ${Math.round(stale.maxAgeMs / 1000)} s ` +
          `allowed; ${why}`,
        { rates: status },
      );
    }
    return { path, status };
  }
}
