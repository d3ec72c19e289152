import type { Rate, StoredRate } from '../src/rates/rate';
import type { ProviderHistory, RefreshRecord } from '../src/rates/rates.repository';
import { RatesRepository, ratesToStore } from '../src/rates/rates.repository';

/**
 * RatesRepository in memory, with the same semantics: unchanged rates are not stored again (the same
 * `ratesToStore` decides), the latest loaded rate per pair, history newest first, and the refresh log.
 */
export class MemoryRatesRepository {
  readonly rows: StoredRate[] = [];
  readonly refreshes: (RefreshRecord & { id: number; finishedAt: Date })[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  async save(rates: Rate[]): Promise<number> {
    const fresh = ratesToStore(await this.latestAll(), rates);
    for (const r of fresh) this.rows.push({ ...r, loadedAt: new Date(this.now()) });
    return fresh.length;
  }

  async history(base: string, quote: string, limit = 100): Promise<StoredRate[]> {
    return this.rows
      .filter((r) => r.base === base && r.quote === quote)
      .reverse()
      .slice(0, limit);
  }

  async latestAll(): Promise<StoredRate[]> {
    const latest = new Map<string, StoredRate>();
    for (const r of this.rows) latest.set(`${r.base}/${r.quote}`, r);
    return [...latest.values()];
  }

  async recordRefresh(record: RefreshRecord): Promise<void> {
    this.refreshes.push({ ...record, id: this.refreshes.length + 1, finishedAt: new Date(this.now()) });
  }

  async providerHistory(provider: string): Promise<ProviderHistory> {
    const mine = this.refreshes.filter((r) => r.provider === provider);
    const success = mine.filter((r) => r.ok).at(-1);
    const failure = mine.filter((r) => !r.ok).at(-1);
    return {
      ageing: failure !== undefined && (success === undefined || failure.id > success.id),
      lastSuccessAt: success?.finishedAt ?? null,
      lastFailureAt: failure?.finishedAt ?? null,
      lastError: failure?.error ?? null,
    };
  }

  asRepository(): RatesRepository {
    return this as unknown as RatesRepository;
  }
}

export const silentLog = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
} as never;

/** A logger that keeps what it was told. */
export function recordingLog() {
  const lines: { level: string; fields: unknown; message?: string }[] = [];
  const at =
    (level: string) =>
    (fields: unknown, message?: string): void => {
      lines.push({ level, fields, message });
    };
  return {
    lines,
    log: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') } as never,
  };
}
