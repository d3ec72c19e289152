import { Redis } from 'ioredis';
import { signRequest, signingKeyFromSeed } from '@concord/crypto';
import type { ServicesPrismaClient } from '@concord/db';
import { uniqueName, TEST_REDIS_URL } from '@concord/testing';
import { Problem, toProblem } from '../problems/problem';
import { AuthFailure } from './auth.errors';
import { AuthService } from './auth.service';
import { ParticipantsRepository } from './participants.repository';

/** Authentication against the real Redis: replay memory and the per-participant rate limit. */
describe('AuthService', () => {
  const redis = new Redis(TEST_REDIS_URL);
  const key = signingKeyFromSeed('11'.repeat(32));
  const suspendedKey = signingKeyFromSeed('22'.repeat(32));
  const closedKey = signingKeyFromSeed('33'.repeat(32));
  const participants = new ParticipantsRepository({} as ServicesPrismaClient);
  const member = (id: string, publicKey: string, status: 'active' | 'suspended' | 'closed') => ({
    id,
    name: id.toUpperCase(),
    keys: [{ keyId: `${id}-1`, publicKey }],
    currencies: ['USD'],
    status,
    settlement: 'net' as const,
  });
  participants.remember([
    member('p1', key.publicKeyHex, 'active'),
    member('p2', suspendedKey.publicKeyHex, 'suspended'),
    member('p3', closedKey.publicKeyHex, 'closed'),
  ]);
  const auth = new AuthService(participants, redis, 300, `${uniqueName('auth')}:`, 3);
  let counter = 0;

  const request = (
    overrides: {
      created?: number;
      keyId?: string;
      body?: string;
      nowMs?: number;
      method?: string;
      path?: string;
      signingKey?: typeof key;
    } = {},
  ) => {
    const nowMs = overrides.nowMs ?? Date.now();
    const method = overrides.method ?? 'POST';
    const path = overrides.path ?? '/v1/transfers';
    const body =
      overrides.body ?? (method === 'GET' || method === 'DELETE' ? '' : JSON.stringify({ n: counter++ }));
    const headers = signRequest(overrides.signingKey ?? key, {
      method,
      path,
      body,
      created: overrides.created ?? Math.floor(nowMs / 1000),
      keyId: overrides.keyId ?? 'p1-1',
    });
    return { method, path, body, headers, nowMs };
  };

  const codeOf = async (promise: Promise<unknown>) => {
    try {
      await promise;
      return 'ok';
    } catch (e) {
      if (e instanceof AuthFailure) {
        const problem = toProblem(e);
        return `${problem.status} ${problem.code}`;
      }
      throw e;
    }
  };

  afterAll(() => redis.disconnect());

  it('lets a suspended participant read and complete its transfers, not start new ones; a closed one nothing', async () => {
    // Its own second of the rate limit (3 a second): one request per second of the clock.
    let second = Date.UTC(2030, 0, 2, 0, 0, 0);
    const as = async (who: 'p2' | 'p3', method: string, path: string) => {
      second += 1000;
      const signingKey = who === 'p2' ? suspendedKey : closedKey;
      return codeOf(
        auth.authenticate(request({ nowMs: second, method, path, signingKey, keyId: `${who}-1` })),
      );
    };
    const reads = [
      '/v1/accounts',
      '/v1/accounts/p2/USD/proof',
      '/v1/statements',
      '/v1/transfers',
      '/v1/transfers/t-1',
      '/v1/participants/me',
      '/v1/webhooks',
      '/v1/webhooks/wh_1/deliveries',
      '/v1/settlement-instructions',
      '/v1/settlement-instructions/w1.p2',
    ];
    for (const path of reads) expect([path, await as('p2', 'GET', path)]).toEqual([path, 'ok']);
    for (const path of [
      '/v1/transfers/t-1/fulfil',
      '/v1/transfers/t-1/abort',
      '/v1/webhooks',
      '/v1/settlement-instructions/w1.p2/confirmations',
    ])
      expect([path, await as('p2', 'POST', path)]).toEqual([path, 'ok']);
    expect(await as('p2', 'DELETE', '/v1/webhooks/wh_1')).toBe('ok');
    for (const path of ['/v1/transfers', '/v1/transfer-batches', '/v1/quotes'])
      expect([path, await as('p2', 'POST', path)]).toEqual([path, '403 PARTICIPANT_NOT_ACTIVE']);
    for (const [method, path] of [
      ['GET', '/v1/accounts'],
      ['GET', '/v1/transfers'],
      ['POST', '/v1/transfers/t-1/fulfil'],
      ['POST', '/v1/transfers'],
    ])
      expect([path, await as('p3', method, path)]).toEqual([path, '403 PARTICIPANT_NOT_ACTIVE']);
  });

  it('accepts a fresh signed request once and refuses its replay', async () => {
    const nowMs = Date.UTC(2030, 0, 1, 0, 0, 0);
    const r = request({ nowMs });
    expect((await auth.authenticate(r)).participant.id).toBe('p1');
    expect(await codeOf(auth.authenticate(r))).toBe('401 REPLAYED_REQUEST');
  });

  it('refuses a replayed read as well as a replayed write', async () => {
    const nowMs = Date.UTC(2030, 0, 1, 0, 3, 0);
    const read = request({ nowMs, method: 'GET' });
    expect(await codeOf(auth.authenticate(read))).toBe('ok');
    expect(await codeOf(auth.authenticate(read))).toBe('401 REPLAYED_REQUEST');
  });

  it('authenticates one request object once: asked again, it answers the first result', async () => {
    const nowMs = Date.now();
    const r = request({ nowMs });
    const req = { method: r.method, url: r.path, rawBody: Buffer.from(r.body), headers: r.headers };
    const first = await auth.authenticateRequest(req);
    expect(await auth.authenticateRequest(req)).toBe(first);
    // Another object with the same bytes is a replay.
    expect(await codeOf(auth.authenticateRequest({ ...req }))).toBe('401 REPLAYED_REQUEST');
  });

  it('refuses unknown keys and stale signatures', async () => {
    expect(await codeOf(auth.authenticate(request({ keyId: 'nobody-1' })))).toBe('401 UNKNOWN_KEY');
    const nowMs = Date.UTC(2030, 0, 1, 0, 1, 0);
    expect(await codeOf(auth.authenticate(request({ nowMs, created: nowMs / 1000 - 301 })))).toBe(
      '401 STALE_SIGNATURE',
    );
  });

  it('remembers a signature for its freshness window plus a minute, and a rate window for two seconds', async () => {
    const prefix = `${uniqueName('auth-ttl')}:`;
    const own = new AuthService(participants, redis, 300, prefix, 3);
    const nowMs = Date.UTC(2030, 0, 1, 0, 4, 0);
    await own.authenticate(request({ nowMs }));
    await own.authenticate(request({ nowMs }));
    const signatures = await redis.keys(`${prefix}sig:*`);
    expect(signatures).toHaveLength(2);
    for (const k of signatures) {
      const ttl = await redis.ttl(k);
      expect(ttl).toBeGreaterThan(300);
      expect(ttl).toBeLessThanOrEqual(360);
    }
    const rateKey = `${prefix}rate:p1:${nowMs / 1000}`;
    expect(await redis.get(rateKey)).toBe('2');
    const rateTtl = await redis.ttl(rateKey);
    expect(rateTtl).toBeGreaterThan(0);
    expect(rateTtl).toBeLessThanOrEqual(2);
  });

  it('answers 429 with Retry-After past the per-second limit of a participant', async () => {
    const nowMs = Date.UTC(2030, 0, 1, 0, 2, 0);
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await codeOf(auth.authenticate(request({ nowMs }))));
    expect(results).toEqual(['ok', 'ok', 'ok', '429 RATE_LIMITED', '429 RATE_LIMITED']);
    // The refusal must happen: a request that went through would fail here, not pass unchecked.
    const refusal = await auth.authenticate(request({ nowMs })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refusal).toBeInstanceOf(AuthFailure);
    const problem: Problem = toProblem(refusal);
    expect(problem.status).toBe(429);
    expect(problem.headers['retry-after']).toBe('1');
    // The next second has a fresh window.
    expect(await codeOf(auth.authenticate(request({ nowMs: nowMs + 1000 })))).toBe('ok');
  });
});
