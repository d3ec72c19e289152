import { ServicesPrismaClient } from '@concord/db';
import type { Rate, StoredRate } from './rate';

export interface RefreshRecord {
  provider: string;
  startedAt: Date;
  ok: boolean;
  loaded: number;
  error?: string;
}

export interface ProviderHistory {
  /** The latest refresh failed: the rates in use are the last good ones. */
  ageing: boolean;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  lastError: string | null;
}

/**
 * The rates of a refresh that are worth storing: those that differ (value, source or as-of time) from
 * the latest stored rate of their pair, or from an earlier rate of the same pair in the same refresh.
 * Refreshing unchanged rates every hour would only repeat the history; a pair that changes and comes back
 * to an earlier value is stored again, because the history records what was in force when. Pure, so that
 * the repository and its in-memory fake decide alike.
 */
export function ratesToStore(latest: readonly Rate[], rates: readonly Rate[]): Rate[] {
  const byPair = new Map(latest.map((r) => [`${r.base}/${r.quote}`, r]));
  const fresh: Rate[] = [];
  for (const r of rates) {
    const key = `${r.base}/${r.quote}`;
    const prev = byPair.get(key);
    const same =
      prev !== undefined &&
      prev.rateNum === r.rateNum &&
      prev.rateDen === r.rateDen &&
      prev.source === r.source &&
      prev.asOf.getTime() === r.asOf.getTime();
    if (same) continue;
    fresh.push(r);
    byPair.set(key, r);
  }
  return fresh;
}

/** Rate history (every loaded rate with its source and time) and the log of refresh attempts. */
export class RatesRepository {
  constructor(private readonly prisma: ServicesPrismaClient) {}

  /**
   * Stores the rates that differ from the latest stored rate of their pair (see `ratesToStore`). Returns
   * how many were stored.
   */
  async save(rates: Rate[]): Promise<number> {
    const fresh = ratesToStore(await this.latestAll(), rates);
    if (fresh.length === 0) return 0;
    const result = await this.prisma.fxRate.createMany({
      data: fresh.map(({ base, quote, rateNum, rateDen, source, asOf }) => ({
        base,
        quote,
        rateNum,
        rateDen,
        source,
        asOf,
      })),
    });
    return result.count;
  }

  /** The most recently loaded rate of every pair. */
  async latestAll(): Promise<StoredRate[]> {
    return this.prisma.$queryRaw<StoredRate[]>`
      select distinct on (base, quote)
        base, quote, rate_num as "rateNum", rate_den as "rateDen", source, as_of as "asOf", loaded_at as "loadedAt"
      from fx.rates
      order by base, quote, id desc`;
  }

  latest(base: string, quote: string) {
    return this.prisma.fxRate.findFirst({ where: { base, quote }, orderBy: [{ id: 'desc' }] });
  }

  /** A pair's stored rates, the most recently loaded first. */
  async history(base: string, quote: string, limit = 100): Promise<StoredRate[]> {
    const rows = await this.prisma.fxRate.findMany({
      where: { base, quote },
      orderBy: [{ id: 'desc' }],
      take: limit,
    });
    return rows.map(({ base, quote, rateNum, rateDen, source, asOf, loadedAt }) => ({
      base,
      quote,
      rateNum,
      rateDen,
      source,
      asOf,
      loadedAt,
    }));
  }

  async recordRefresh(record: RefreshRecord): Promise<void> {
    await this.prisma.fxRateRefresh.create({
      data: {
        provider: record.provider,
        startedAt: record.startedAt,
        ok: record.ok,
        loaded: record.loaded,
        error: record.error?.slice(0, 1000),
      },
    });
  }

  async providerHistory(provider: string): Promise<ProviderHistory> {
    const [success, failure] = await Promise.all([
      this.prisma.fxRateRefresh.findFirst({ where: { provider, ok: true }, orderBy: { id: 'desc' } }),
      this.prisma.fxRateRefresh.findFirst({ where: { provider, ok: false }, orderBy: { id: 'desc' } }),
    ]);
    return {
      ageing: failure !== null && (success === null || failure.id > success.id),
      lastSuccessAt: success?.finishedAt ?? null,
      lastFailureAt: failure?.finishedAt ?? null,
      lastError: failure?.error ?? null,
    };
  }
}
