import type { Redis } from 'ioredis';

/**
 * All I/O of idempotency keys: one Redis string per participant and key, holding either the claim of the
 * request running now or the response it gave.
 */
export class IdempotencyRepository {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  /**
   * Claims a key for the caller's request unless the key exists, in one round trip (`SET NX GET`, Redis
   * 7): undefined when this call claimed it, else what the key holds (the claim of another request, or
   * a stored response).
   */
  async claim(participantId: string, key: string, claim: string, ttlMs: number): Promise<string | undefined> {
    const previous = await this.redis.call(
      'SET',
      this.name(participantId, key),
      claim,
      'PX',
      ttlMs,
      'NX',
      'GET',
    );
    return typeof previous === 'string'
      ? previous
      : previous instanceof Buffer
        ? previous.toString()
        : undefined;
  }

  /** Replaces the claim with the response, kept for `ttlS`. */
  async complete(participantId: string, key: string, record: string, ttlS: number): Promise<void> {
    await this.redis.set(this.name(participantId, key), record, 'EX', ttlS);
  }

  /** Drops the claim (the request failed with a server error): a retry with the key runs again. */
  async release(participantId: string, key: string): Promise<void> {
    await this.redis.del(this.name(participantId, key));
  }

  private name(participantId: string, key: string): string {
    return `${this.keyPrefix}idem:${participantId}:${key}`;
  }
}
