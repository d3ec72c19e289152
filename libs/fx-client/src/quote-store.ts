import type { Redis } from 'ioredis';
import { FxQuote, fxQuoteSchema } from '@concord/contracts';

/**
 * Quotes in Redis until they expire. The FX service saves each quote it signs (SET NX with a PX TTL
 * until its expiry); the gateway reads or consumes them by id. Both keys of a quote share a hash tag, so
 * the consume script also works on a Redis cluster.
 *
 * `consume` makes a quote single use within this Redis only. It is a courtesy for the gateway (answer
 * early, with a clear reason); the ledger must still refuse a second use of a quote id on its own,
 * deterministically, because Redis is not part of the replicated state every signer executes.
 */
export function quoteKey(prefix: string, id: string): string {
  return `${prefix ? `${prefix}:` : ''}fx:quote:{${id}}`;
}

export function usedQuoteKey(prefix: string, id: string): string {
  return `${prefix ? `${prefix}:` : ''}fx:quote-used:{${id}}`;
}

/** How long "already used" is remembered past the quote's own expiry. */
const USED_MARKER_EXTRA_MS = 3600 * 1000;

// GET the quote; if present, delete it and leave a "used" marker, atomically (one script).
const CONSUME_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if not v then
  if redis.call('EXISTS', KEYS[2]) == 1 then return {'used'} end
  return {'missing'}
end
local ttl = redis.call('PTTL', KEYS[1])
redis.call('DEL', KEYS[1])
if ttl < 0 then ttl = 0 end
redis.call('SET', KEYS[2], '1', 'PX', ttl + tonumber(ARGV[1]))
return {'ok', v}
`;

export type ConsumeResult =
  | { ok: true; quote: FxQuote }
  | { ok: false; reason: 'QUOTE_NOT_FOUND' | 'QUOTE_ALREADY_USED' | 'QUOTE_EXPIRED' };

export class QuoteStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = '',
  ) {}

  /** Stores the quote until it expires; false when it has expired already or the id is taken. */
  async save(quote: FxQuote, nowMs = Date.now()): Promise<boolean> {
    const ttl = quote.expiresAtMs - nowMs;
    if (ttl <= 0) return false;
    const result = await this.redis.set(
      quoteKey(this.prefix, quote.id),
      JSON.stringify(quote),
      'PX',
      ttl,
      'NX',
    );
    return result === 'OK';
  }

  /** The quote, while it has not expired nor been consumed. */
  async get(id: string): Promise<FxQuote | null> {
    const text = await this.redis.get(quoteKey(this.prefix, id));
    return text === null ? null : fxQuoteSchema.parse(JSON.parse(text));
  }

  /**
   * Takes the quote out for use, once: a second consume answers QUOTE_ALREADY_USED (for an hour past the
   * quote's expiry), an unknown or expired id QUOTE_NOT_FOUND.
   */
  async consume(id: string, nowMs = Date.now()): Promise<ConsumeResult> {
    const result = (await this.redis.eval(
      CONSUME_SCRIPT,
      2,
      quoteKey(this.prefix, id),
      usedQuoteKey(this.prefix, id),
      String(USED_MARKER_EXTRA_MS),
    )) as [string, string?];
    if (result[0] === 'used') return { ok: false, reason: 'QUOTE_ALREADY_USED' };
    if (result[0] !== 'ok' || result[1] === undefined) return { ok: false, reason: 'QUOTE_NOT_FOUND' };
    const quote = fxQuoteSchema.parse(JSON.parse(result[1]));
    // Redis expires keys on its own clock; the quote's own expiry is what counts.
    if (!(nowMs < quote.expiresAtMs)) return { ok: false, reason: 'QUOTE_EXPIRED' };
    return { ok: true, quote };
  }
}
