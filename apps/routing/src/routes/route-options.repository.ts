import type { Redis } from 'ioredis';
import type { RouteOptionView, RouteRequest } from '@concord/contracts';

/** What an order needs of an option beyond its view: the offer's promise and the amounts in minor units. */
export interface StoredOption {
  view: RouteOptionView;
  promisedMs: number;
  payoutMinor: string;
  recipientMinor: string;
  totalCostMinor: string;
  valueMinor: string;
}

interface Entry {
  appId: string;
  option: StoredOption;
  request: RouteRequest;
}

/** An expired option is still told apart from an unknown one for this long (to answer OPTION_EXPIRED). */
const KEPT_AFTER_EXPIRY_S = 3600;

/**
 * Options of routes answers, in Redis until a while after they expire: they live seconds (never past their
 * FX quote), every answer writes a few, and the routes answer is on a phone's critical path, where one
 * pipelined Redis write costs a fraction of a PostgreSQL transaction. An order copies what it needs of its
 * option into its own rows, so nothing durable depends on this store.
 */
export class RouteOptionsRepository {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  async save(appId: string, request: RouteRequest, options: StoredOption[]): Promise<void> {
    if (options.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const option of options) {
      const ttlS = Math.ceil((Date.parse(option.view.expiresAt) - Date.now()) / 1000) + KEPT_AFTER_EXPIRY_S;
      const entry: Entry = { appId, option, request };
      pipeline.set(this.keyPrefix + option.view.optionId, JSON.stringify(entry), 'EX', Math.max(ttlS, 1));
    }
    await pipeline.exec();
  }

  async find(
    appId: string,
    optionId: string,
  ): Promise<{ option: StoredOption; request: RouteRequest; expiresAt: Date } | null> {
    const text = await this.redis.get(this.keyPrefix + optionId);
    if (!text) return null;
    const entry = JSON.parse(text) as Entry;
    if (entry.appId !== appId) return null;
    return { option: entry.option, request: entry.request, expiresAt: new Date(entry.option.view.expiresAt) };
  }
}
