import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { FxClient } from '@concord/fx-client';
import { ensureTopics } from '../../../libs/devtools/src/infra/infra';
import {
  createTestDatabase,
  freePort,
  deleteTestTopics,
  TEST_KAFKA_BROKERS,
  TEST_REDIS_URL,
  testPool,
  uniqueName,
} from '@concord/testing';
import { createFxHttpApp } from '../src/admin/http';
import { RatesService } from '../src/rates/rates.service';

jest.setTimeout(120_000);

const TOKEN = 'fx-admin-int-spec-operator-token-0123456789';

/**
 * The FX operator admin API over real HTTP, with the whole FX module against the real PostgreSQL, Redis
 * and Kafka: the bearer token, spreads, markups and fee schedules set over HTTP and used by the quotes
 * answered over Kafka, the history of changes made over either path, strict validation, and the rates.
 */
describe('FX admin HTTP API', () => {
  const prefix = uniqueName('fxa');
  const dir = mkdtempSync(join(tmpdir(), 'concord-fx-admin-'));
  const ratesFile = join(dir, 'rates.json');
  const savedEnv = { ...process.env };
  let db: { url: string; drop: () => Promise<void> };
  let pg: Pool;
  let app: NestFastifyApplication;
  let api: string;
  let client: FxClient;

  const call = async (method: 'GET' | 'PUT', path: string, body?: unknown, token: string | null = TOKEN) => {
    const headers: Record<string, string> = {};
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${api}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      headers: res.headers,
      body: text ? JSON.parse(text) : null,
    };
  };
  const spreadRows = async () =>
    (
      await pg.query(
        `select spread_bps as "spreadBps", created_by as "createdBy" from fx.spreads
         where source_currency = 'USD' and target_currency = 'PHP' order by id`,
      )
    ).rows;

  const startSheet = JSON.stringify({
    source: 'int-test-sheet',
    base: 'USD',
    rates: { HKD: '7.7812', PHP: '58.6150', SGD: '1.3405', EUR: '0.9210' },
  });

  beforeAll(async () => {
    writeFileSync(ratesFile, startSheet);
    db = await createTestDatabase();
    pg = testPool(db.url, 2);
    await ensureTopics(TEST_KAFKA_BROKERS, prefix);
    Object.assign(process.env, {
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      KAFKA_BROKERS: TEST_KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      FX_RATE_PROVIDER: 'file',
      FX_RATES_FILE: ratesFile,
      FX_REFRESH_INTERVAL_MS: String(3600_000),
      FX_PORT: String(await freePort()),
      OPERATOR_TOKEN: TOKEN,
    });
    // As main.ts does with FX_PORT set.
    const created = await createFxHttpApp(false);
    app = created.app;
    await app.listen(created.config.FX_PORT!, created.config.FX_HOST);
    api = `http://127.0.0.1:${created.config.FX_PORT}`;
    client = new FxClient({
      settings: { brokers: TEST_KAFKA_BROKERS, clientId: 'fx-admin-int-spec', topicPrefix: prefix },
      timeoutMs: 20_000,
    });
    await client.start();
  });

  afterAll(async () => {
    await client?.stop();
    await app?.close();
    const redis = new Redis(TEST_REDIS_URL);
    for (const pattern of [`bull:${prefix}:*`, `${prefix}:fx:*`]) {
      const keys = await redis.keys(pattern);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
    await pg?.end();
    process.env = savedEnv;
    await deleteTestTopics(prefix);
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 problem+json without the bearer token or with a wrong one, and changes nothing', async () => {
    const before = await spreadRows();
    for (const token of [null, 'x'.repeat(TOKEN.length), `${TOKEN}0`]) {
      const read = await call('GET', '/rates', undefined, token);
      expect(read.status).toBe(401);
      expect(read.type).toMatch(/^application\/problem\+json/);
      expect(read.headers.get('www-authenticate')).toMatch(/^Bearer realm="concord-operator"/);
      expect(read.body).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
      const write = await call('PUT', '/spreads/USD/PHP', { spreadBps: 1, requestedBy: 'intruder' }, token);
      expect(write.status).toBe(401);
      expect(write.body.code).toBe('UNAUTHORIZED');
    }
    expect(await spreadRows()).toEqual(before);
  });

  it('serves the current rates with their source, as-of time and staleness', async () => {
    const { status, body } = await call('GET', '/rates');
    expect(status).toBe(200);
    expect(body).toMatchObject({ provider: 'file', ageing: false, lastError: null, maxAgeMs: 24 * 3600_000 });
    expect(body.rates.map((r: { pair: string }) => r.pair)).toEqual([
      'USD/EUR',
      'USD/HKD',
      'USD/PHP',
      'USD/SGD',
    ]);
    const php = body.rates.find((r: { pair: string }) => r.pair === 'USD/PHP');
    expect(php).toMatchObject({
      base: 'USD',
      quote: 'PHP',
      rate: { num: '11723', den: '200', decimal: '58.615' },
      source: 'int-test-sheet',
      stale: false,
    });
    expect(Math.abs(php.asOfMs - Date.now())).toBeLessThan(60_000);
    expect(php.ageMs).toBeGreaterThanOrEqual(0);
  });

  it("serves a pair's rate history, newest first, each rate with its source, as-of and load time", async () => {
    const rates = app.get(RatesService);
    const asOf = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    const sheet = (php: string, source: string) =>
      writeFileSync(
        ratesFile,
        JSON.stringify({ source, asOf: asOf.toISOString(), base: 'USD', rates: { HKD: '7.7812', PHP: php } }),
      );
    sheet('58.7000', 'desk-a');
    expect(await rates.refresh()).toMatchObject({ ok: true, stored: 2 });
    // The same sheet again stores nothing; another one stores its rates again.
    expect(await rates.refresh()).toMatchObject({ ok: true, stored: 0 });
    sheet('58.7100', 'desk-b');
    expect(await rates.refresh()).toMatchObject({ ok: true, stored: 2 });
    // The other tests quote on the start-up sheet: it is the latest again (as of this new loading).
    writeFileSync(ratesFile, startSheet);
    expect(await rates.refresh()).toMatchObject({ ok: true, stored: 4 });

    const { status, body } = await call('GET', '/rates/history?base=USD&quote=PHP');
    expect(status).toBe(200);
    expect(body.pair).toBe('USD/PHP');
    const rows = body.history.map((r: { rate: { decimal: string }; source: string; asOfMs: number }) => [
      r.rate.decimal,
      r.source,
      r.asOfMs,
    ]);
    expect(rows.slice(0, 3)).toEqual([
      ['58.615', 'int-test-sheet', expect.any(Number)], // as of its loading: the sheet has no asOf
      ['58.71', 'desk-b', asOf.getTime()],
      ['58.7', 'desk-a', asOf.getTime()],
    ]);
    // Before them, what start-up loaded (its refresh, and the scheduler's first run).
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows.slice(3)) expect(row.slice(0, 2)).toEqual(['58.615', 'int-test-sheet']);
    expect(body.history[1]).toMatchObject({
      pair: 'USD/PHP',
      base: 'USD',
      quote: 'PHP',
      rate: { num: '5871', den: '100', decimal: '58.71' },
    });
    const loaded = body.history.map((r: { loadedAtMs: number }) => r.loadedAtMs);
    expect([...loaded].sort((a, b) => b - a)).toEqual(loaded);
    expect(Math.abs(loaded[0] - Date.now())).toBeLessThan(60_000);

    const limited = await call('GET', '/rates/history?base=USD&quote=PHP&limit=1');
    expect(limited.body.history).toEqual([body.history[0]]);
    // Only the pair as stored: PHP/USD has no history of its own.
    expect((await call('GET', '/rates/history?base=PHP&quote=USD')).body).toEqual({
      pair: 'PHP/USD',
      history: [],
    });

    expect((await call('GET', '/rates/history?base=USD&quote=PHP', undefined, null)).status).toBe(401);
    for (const [query, field] of [
      ['quote=PHP', 'base'],
      ['base=USD&quote=php', 'quote'],
      ['base=USD&quote=PHP&limit=0', 'limit'],
      ['base=USD&quote=PHP&limit=1001', 'limit'],
      ['base=USD&quote=PHP&pair=x', 'pair'],
    ]) {
      const res = await call('GET', `/rates/history?${query}`);
      expect({ query, status: res.status, code: res.body.code }).toEqual({
        query,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    }
  });

  it('sets a corridor spread over HTTP that the next quote (over Kafka) uses; the history keeps both versions', async () => {
    expect((await call('GET', '/spreads/USD/PHP')).body).toMatchObject({
      spread: { sourceCurrency: 'USD', targetCurrency: 'PHP', spreadBps: 50, createdBy: 'seed' },
    });
    const put = await call('PUT', '/spreads/USD/PHP', { spreadBps: 80, requestedBy: 'ops-alice' });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      spread: {
        sourceCurrency: 'USD',
        targetCurrency: 'PHP',
        spreadBps: 80,
        validFromMs: expect.any(Number),
        createdBy: 'ops-alice',
      },
    });

    const reply = await client.quote({ sourceCurrency: 'USD', targetCurrency: 'PHP', sendAmount: '100.00' });
    if (!reply.ok) throw new Error(JSON.stringify(reply.error));
    // 58.615 x (1 - 0.008) = 58.14608: 100 USD buy 5814.608 PHP, the payee gets the floor.
    expect(reply.quote).toMatchObject({ spreadBps: 80, receiveAmount: '5814.60' });
    // The Kafka admin path reads what the HTTP path wrote.
    expect(await client.getPricing({ sourceCurrency: 'USD', targetCurrency: 'PHP' })).toMatchObject({
      ok: true,
      spread: { spreadBps: 80, createdBy: 'ops-alice' },
    });

    const history = await call('GET', '/spreads/USD/PHP/history');
    expect(history.status).toBe(200);
    expect(history.body.history).toEqual([
      expect.objectContaining({
        spreadBps: 80,
        createdBy: 'ops-alice',
        status: 'in-force',
        previous: { spreadBps: 50 },
        createdAtMs: expect.any(Number),
      }),
      expect.objectContaining({ spreadBps: 50, createdBy: 'seed', status: 'superseded', previous: null }),
    ]);
    const withHistory = await call('GET', '/spreads/USD/PHP?history=true');
    expect(withHistory.body).toEqual({ spread: put.body.spread, history: history.body.history });
    expect(await spreadRows()).toEqual([
      { spreadBps: 50, createdBy: 'seed' },
      { spreadBps: 80, createdBy: 'ops-alice' },
    ]);
  });

  it('shows changes made over Kafka in the HTTP history, and schedules a change for later', async () => {
    expect(
      await client.setSpread({
        sourceCurrency: 'USD',
        targetCurrency: 'PHP',
        spreadBps: 90,
        requestedBy: 'ops-bob',
      }),
    ).toMatchObject({ ok: true });
    const later = Date.now() + 3600_000;
    const scheduled = await call('PUT', '/spreads/USD/PHP', {
      spreadBps: 120,
      requestedBy: 'ops-alice',
      validFromMs: later,
    });
    expect(scheduled.body.spread).toMatchObject({ spreadBps: 120, validFromMs: later });
    // Still 90 in force until then.
    expect((await call('GET', '/spreads/USD/PHP')).body.spread).toMatchObject({ spreadBps: 90 });
    const { body } = await call('GET', '/spreads/USD/PHP/history?limit=3');
    expect(
      body.history.map((v: { spreadBps: number; createdBy: string; status: string; previous: unknown }) => [
        v.spreadBps,
        v.createdBy,
        v.status,
        v.previous,
      ]),
    ).toEqual([
      [120, 'ops-alice', 'scheduled', { spreadBps: 90 }],
      [90, 'ops-bob', 'in-force', { spreadBps: 80 }],
      // The limit cuts the list, not the previous value of its last version.
      [80, 'ops-alice', 'superseded', { spreadBps: 50 }],
    ]);
  });

  it('sets partner markups and corridor fee schedules, which quotes use, with their history', async () => {
    const none = await call('GET', '/markups/us-send');
    expect(none.status).toBe(404);
    expect(none.body).toMatchObject({ code: 'MARKUP_NOT_FOUND' });
    expect((await call('GET', '/markups/us-send/history')).body).toEqual({ history: [] });

    const markup = await call('PUT', '/markups/us-send', { markupBps: 25, requestedBy: 'ops-alice' });
    expect(markup.body.markup).toMatchObject({
      participantId: 'us-send',
      markupBps: 25,
      createdBy: 'ops-alice',
    });
    const fee = await call('PUT', '/fees/USD/PHP', {
      fixed: '0.50',
      percentBps: 0,
      min: '0.50',
      max: null,
      requestedBy: 'ops-alice',
    });
    expect(fee.status).toBe(200);
    expect(fee.body.fee).toMatchObject({
      fixed: '0.50',
      fixedMinor: '50',
      min: '0.50',
      max: null,
      maxMinor: null,
    });

    const reply = await client.quote({
      sourceCurrency: 'USD',
      targetCurrency: 'PHP',
      sendAmount: '100.00',
      payer: 'us-send',
    });
    if (!reply.ok) throw new Error(JSON.stringify(reply.error));
    expect(reply.quote).toMatchObject({ spreadBps: 90, markupBps: 25, fee: '0.50', totalCost: '100.50' });

    const fees = await call('GET', '/fees/USD/PHP?history=true');
    expect(fees.body.fee).toMatchObject({ fixed: '0.50' });
    expect(fees.body.history).toEqual([
      expect.objectContaining({
        fixed: '0.50',
        status: 'in-force',
        createdBy: 'ops-alice',
        previous: {
          fixed: '1.00',
          fixedMinor: '100',
          percentBps: 10,
          min: '1.00',
          minMinor: '100',
          max: '50.00',
          maxMinor: '5000',
        },
      }),
      expect.objectContaining({ fixed: '1.00', createdBy: 'seed', status: 'superseded', previous: null }),
    ]);
    expect((await call('GET', '/markups/us-send?history=true')).body).toMatchObject({
      markup: { markupBps: 25 },
      history: [{ markupBps: 25, status: 'in-force', previous: null }],
    });
  });

  it('refuses invalid requests with 400 problem+json naming the field, and stores nothing', async () => {
    const before = await spreadRows();
    const refused = async (
      path: string,
      body: unknown,
      code: string,
      field: string,
      method: 'GET' | 'PUT' = 'PUT',
    ) => {
      const res = await call(method, path, body);
      expect({ path, body, status: res.status, type: res.type }).toMatchObject({
        status: 400,
        type: expect.stringMatching(/^application\/problem\+json/),
      });
      expect(res.body).toMatchObject({ status: 400, code });
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    };
    await refused(
      '/spreads/USD/PHP',
      { spreadBps: 99_999, requestedBy: 'ops' },
      'VALIDATION_FAILED',
      'spreadBps',
    );
    await refused(
      '/spreads/USD/PHP',
      { spreadBps: '80', requestedBy: 'ops' },
      'VALIDATION_FAILED',
      'spreadBps',
    );
    await refused(
      '/spreads/USD/PHP',
      { spreadBps: 80.5, requestedBy: 'ops' },
      'VALIDATION_FAILED',
      'spreadBps',
    );
    await refused('/spreads/USD/PHP', { spreadBps: 80 }, 'VALIDATION_FAILED', 'requestedBy');
    await refused('/spreads/USD/PHP', { spreadBps: 80, requestedBy: 'ops', x: 1 }, 'VALIDATION_FAILED', 'x');
    await refused(
      '/spreads/USD/PHP',
      { spreadBps: 80, requestedBy: 'ops', validFromMs: 'soon' },
      'VALIDATION_FAILED',
      'validFromMs',
    );
    await refused(
      '/spreads/usd/PHP',
      { spreadBps: 80, requestedBy: 'ops' },
      'VALIDATION_FAILED',
      'sourceCurrency',
    );
    await refused(
      '/spreads/XAU/PHP',
      { spreadBps: 80, requestedBy: 'ops' },
      'UNKNOWN_CURRENCY',
      'sourceCurrency',
    );
    await refused(
      '/spreads/PHP/PHP',
      { spreadBps: 80, requestedBy: 'ops' },
      'VALIDATION_FAILED',
      'targetCurrency',
    );
    await refused(
      '/markups/us send',
      { markupBps: 5, requestedBy: 'ops' },
      'VALIDATION_FAILED',
      'participantId',
    );
    await refused(
      '/markups/us-send',
      { markupBps: -1, requestedBy: 'ops' },
      'VALIDATION_FAILED',
      'markupBps',
    );
    const fee = { fixed: '0.50', percentBps: 10, min: '0.50', max: '5.00', requestedBy: 'ops' };
    await refused('/fees/USD/PHP', { ...fee, fixed: '0.505' }, 'INVALID_AMOUNT', 'fixed');
    await refused('/fees/USD/PHP', { ...fee, min: 1 }, 'VALIDATION_FAILED', 'min');
    await refused('/fees/USD/PHP', { ...fee, max: '0.25' }, 'INVALID_AMOUNT', 'max');
    await refused('/fees/USD/PHP', { ...fee, percentBps: 5000 }, 'VALIDATION_FAILED', 'percentBps');
    await refused('/spreads/USD/PHP?history=yes', undefined, 'VALIDATION_FAILED', 'history', 'GET');
    await refused('/spreads/USD/PHP/history?limit=0', undefined, 'VALIDATION_FAILED', 'limit', 'GET');

    const malformed = await call('PUT', '/spreads/USD/PHP', '{"spreadBps": 80,');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: 'MALFORMED_REQUEST' });
    const unknown = await call('GET', '/spreads/USD/JPY');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'SPREAD_NOT_FOUND' });

    expect(await spreadRows()).toEqual(before);
    const { rows } = await pg.query(
      `select count(*)::int as n from fx.fee_schedules where created_by = 'ops'`,
    );
    expect(rows[0].n).toBe(0);
  });
});
