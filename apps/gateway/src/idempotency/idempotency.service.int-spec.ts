import { Redis } from 'ioredis';
import { TEST_REDIS_URL, uniqueName } from '@concord/testing';
import { IdempotencyFailure } from './idempotency.errors';
import { IdempotencyRepository } from './idempotency.repository';
import { IdempotencyService } from './idempotency.service';

/** Idempotency keys against the real Redis: claim, stored response, conflicts, expiry. */
describe('IdempotencyService', () => {
  const redis = new Redis(TEST_REDIS_URL);
  const prefix = `${uniqueName('idem')}:`;
  const service = new IdempotencyService(new IdempotencyRepository(redis, prefix), {
    ttlS: 60,
    claimTtlMs: 300,
  });
  const post = { method: 'POST', path: '/v1/transfers', body: '{"id":"t-1"}' };
  const response = { statusCode: 202, headers: { 'content-type': 'application/json' }, body: '{"id":"t-1"}' };

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => 'ran',
      (e: unknown) => (e instanceof IdempotencyFailure ? e.error.kind : Promise.reject(e)),
    );

  afterAll(() => redis.disconnect());

  it('runs the first request, then answers its stored response for the same key and request', async () => {
    const first = await service.begin('p1', 'k-1', post);
    expect(first.kind).toBe('run');
    if (first.kind !== 'run') return;
    // While it runs, the same key is in progress, whatever the request.
    expect(await failure(service.begin('p1', 'k-1', post))).toBe('IN_PROGRESS');
    await first.finish(response);
    expect(await service.begin('p1', 'k-1', post)).toEqual({ kind: 'replay', response });
    const ttl = await redis.ttl(`${prefix}idem:p1:k-1`);
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('refuses the same key with another body, path or method, and keeps keys apart per participant', async () => {
    const first = await service.begin('p1', 'k-2', post);
    if (first.kind === 'run') await first.finish(response);
    expect(await failure(service.begin('p1', 'k-2', { ...post, body: '{"id":"t-2"}' }))).toBe('KEY_REUSED');
    expect(await failure(service.begin('p1', 'k-2', { ...post, path: '/v1/transfer-batches' }))).toBe(
      'KEY_REUSED',
    );
    expect((await service.begin('p2', 'k-2', post)).kind).toBe('run');
  });

  it('drops the claim of a request that failed with a server error, and of one that never answered', async () => {
    const failed = await service.begin('p1', 'k-3', post);
    if (failed.kind === 'run') await failed.finish(undefined);
    expect((await service.begin('p1', 'k-3', post)).kind).toBe('run');
    // That second claim is never finished (the process died): it expires after claimTtlMs.
    expect(await failure(service.begin('p1', 'k-3', post))).toBe('IN_PROGRESS');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await service.begin('p1', 'k-3', post)).kind).toBe('run');
  });

  it('validates keys: 1 to 255 letters, digits and - _ . :', () => {
    expect(IdempotencyService.parseKey(undefined)).toBeUndefined();
    expect(IdempotencyService.parseKey('3f0c9a1e-5b7d-4c2a-9e1f-0a2b3c4d5e6f')).toBe(
      '3f0c9a1e-5b7d-4c2a-9e1f-0a2b3c4d5e6f',
    );
    for (const bad of ['', 'a b', 'é', 'k,k', 'x'.repeat(256), ['a', 'b']]) {
      expect(() => IdempotencyService.parseKey(bad)).toThrow(IdempotencyFailure);
    }
  });
});
