import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { checkQuote, FxQuote } from '@concord/contracts';
import { FxClient, quoteKey, QuoteStore } from '@concord/fx-client';
import { DEMO_CONSORTIUM, fxKey } from '../../../libs/devtools/src/demo/consortium';
import { ensureTopics } from '../../../libs/devtools/src/infra/infra';
import {
  createTestDatabase,
  deleteTestTopics,
  TEST_KAFKA_BROKERS,
  TEST_REDIS_URL,
  testPool,
  uniqueName,
} from '@concord/testing';
import { FxModule } from '../src/fx.module';
import { RatesService } from '../src/rates/rates.service';

jest.setTimeout(120_000);

const MAX_AGE_MS = 6000;

/**
 * The FX service in-process (its real Nest module), against the real Kafka, Redis and PostgreSQL: the
 * request/reply path through FxClient, pricing with history, the Redis quote store, and ageing/stale rates.
 */
describe('FX service: Kafka request/reply', () => {
  const prefix = uniqueName('fx');
  const signer = fxKey(DEMO_CONSORTIUM);
  const dir = mkdtempSync(join(tmpdir(), 'concord-fx-'));
  const ratesFile = join(dir, 'rates.json');
  const savedEnv = { ...process.env };
  let db: { url: string; drop: () => Promise<void> };
  let pg: Pool;
  let app: INestApplicationContext;
  let client: FxClient;
  let redis: Redis;
  let store: QuoteStore;

  const writeRates = (content?: string) =>
    writeFileSync(
      ratesFile,
      content ??
        JSON.stringify({
          source: 'int-test-sheet',
          base: 'USD',
          rates: { HKD: '7.7812', PHP: '58.6150', SGD: '1.3405', EUR: '0.9210', JPY: '155.42' },
        }),
    );
  const verify = (quote: FxQuote, nowMs = Date.now()) =>
    checkQuote(quote, { publicKeys: { [signer.keyId]: signer.key.publicKeyHex }, nowMs });

  beforeAll(async () => {
    writeRates();
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
      FX_RATE_MAX_AGE_MS: String(MAX_AGE_MS),
      FX_REFRESH_INTERVAL_MS: String(3600_000),
      FX_SIGNING_KEY: signer.key.seedHex,
      FX_SIGNING_KEY_ID: signer.keyId,
      FX_PROVIDER_ID: 'sg-fx',
    });
    app = await NestFactory.createApplicationContext(FxModule, { logger: false });
    client = new FxClient({
      settings: { brokers: TEST_KAFKA_BROKERS, clientId: 'fx-int-spec', topicPrefix: prefix },
      timeoutMs: 20_000,
    });
    await client.start();
    redis = new Redis(TEST_REDIS_URL);
    store = new QuoteStore(redis, prefix);
  });

  afterAll(async () => {
    await client?.stop();
    await app?.close();
    // The BullMQ schedule and the quotes under this run's prefix.
    for (const pattern of [`bull:${prefix}:*`, `${prefix}:fx:*`]) {
      const keys = await redis.keys(pattern);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis?.disconnect();
    await pg?.end();
    process.env = savedEnv;
    await deleteTestTopics(prefix);
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  // Each test starts from freshly loaded rates (the sheet has no asOf: its rates are as of loading).
  beforeEach(async () => {
    writeRates();
    await app.get(RatesService).refresh();
  });

  it('seeds the demo pricing at start-up and reads it back', async () => {
    const reply = await client.getPricing({ sourceCurrency: 'USD', targetCurrency: 'PHP' });
    expect(reply).toMatchObject({
      ok: true,
      spread: { spreadBps: 50, createdBy: 'seed' },
      fee: { fixed: '1.00', percentBps: 10, min: '1.00', max: '50.00' },
      markup: null,
    });
    const { rows } = await pg.query('select count(*)::int as n from fx.spreads');
    expect(rows[0].n).toBe(20); // 5 x 4 corridors between USD, HKD, PHP, SGD, EUR
  });

  it('answers a quote with a signed quote kept in Redis until it expires, single use through consume', async () => {
    const reply = await client.quote({
      sourceCurrency: 'USD',
      targetCurrency: 'PHP',
      sendAmount: '100.00',
      payer: 'us-send',
      payee: 'mnl-payout',
    });
    if (!reply.ok) throw new Error(JSON.stringify(reply.error));
    const { quote } = reply;
    expect(quote).toMatchObject({
      sendAmount: '100.00',
      receiveAmount: '5832.19',
      fee: '1.10',
      totalCost: '101.10',
      fxProvider: 'sg-fx',
      keyId: 'fx-1',
      rateSource: 'int-test-sheet',
    });
    expect(quote.expiresAtMs - quote.createdAtMs).toBe(30_000);
    expect(verify(quote)).toEqual({ ok: true, quote });
    // Next to the signed quote: the rates behind it (fresh, not ageing) and its cost in parts. The payee's
    // 5832.19 PHP cost 99.50 USD at mid: 0.50 of spread; the fee is 1.00 fixed + 0.1 % of 100.00.
    expect(reply.rates).toMatchObject({
      provider: 'file',
      ageing: false,
      legs: [{ pair: 'USD/PHP', source: 'int-test-sheet', asOfMs: quote.rateAsOfMs, stale: false }],
    });
    expect(reply.breakdown).toEqual({
      principalMinor: '9950',
      spreadMinor: '50',
      feeFixedMinor: '100',
      feePercentageMinor: '10',
      feePercentBps: 10,
      feeAdjustmentMinor: '0',
    });
    expect(verify(quote, quote.expiresAtMs)).toMatchObject({ ok: false, reason: 'QUOTE_EXPIRED' });

    expect(await store.get(quote.id)).toEqual(quote);
    const ttl = await redis.pttl(quoteKey(prefix, quote.id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);

    expect(await store.consume(quote.id)).toEqual({ ok: true, quote });
    expect(await store.consume(quote.id)).toEqual({ ok: false, reason: 'QUOTE_ALREADY_USED' });
    expect(await store.get(quote.id)).toBeNull();
    expect(await store.consume('q-never-issued')).toEqual({ ok: false, reason: 'QUOTE_NOT_FOUND' });
  });

  it('the Redis store lets a quote go when it expires', async () => {
    const reply = await client.quote({ sourceCurrency: 'USD', targetCurrency: 'HKD', sendAmount: '10' });
    if (!reply.ok) throw new Error(JSON.stringify(reply.error));
    const now = Date.now();
    const shortLived = { ...reply.quote, id: `${reply.quote.id}-short`, expiresAtMs: now + 300 };
    expect(await store.save(shortLived, now)).toBe(true);
    expect(await store.save(shortLived, now)).toBe(false); // NX: an id is never overwritten
    // Redis still has it, but the quote's own expiry has passed.
    expect(await store.consume(shortLived.id, now + 300)).toEqual({ ok: false, reason: 'QUOTE_EXPIRED' });
    const gone = { ...shortLived, id: `${reply.quote.id}-gone` };
    await store.save(gone, now);
    await new Promise((r) => setTimeout(r, 500));
    expect(await store.consume(gone.id)).toEqual({ ok: false, reason: 'QUOTE_NOT_FOUND' });
  });

  it('quotes a receive amount through the pivot exactly', async () => {
    const reply = await client.quote({ sourceCurrency: 'HKD', targetCurrency: 'PHP', receiveAmount: '5000' });
    if (!reply.ok) throw new Error(JSON.stringify(reply.error));
    expect(reply.quote).toMatchObject({
      fixedSide: 'receive',
      receiveAmount: '5000.00',
      receiveAmountMinor: '500000',
    });
    expect(verify(reply.quote).ok).toBe(true);
  });

  it('operators set spreads, markups and fees over Kafka; the latest row wins, history is kept', async () => {
    const setSpread = await client.request(
      'set-spread',
      { sourceCurrency: 'USD', targetCurrency: 'PHP', spreadBps: 80, requestedBy: 'operator-1' },
      { requestId: `${prefix}-spread-1` },
    );
    expect(setSpread).toMatchObject({ ok: true, spread: { spreadBps: 80, createdBy: 'operator-1' } });
    // The same request again (a redelivery) adds nothing.
    const again = await client.request(
      'set-spread',
      { sourceCurrency: 'USD', targetCurrency: 'PHP', spreadBps: 80, requestedBy: 'operator-1' },
      { requestId: `${prefix}-spread-1` },
    );
    expect(again).toMatchObject({ ok: true, spread: { spreadBps: 80 } });
    expect(
      await client.setMarkup({ participantId: 'us-send', markupBps: 25, requestedBy: 'operator-1' }),
    ).toMatchObject({ ok: true, markup: { participantId: 'us-send', markupBps: 25 } });
    expect(
      await client.setFee({
        sourceCurrency: 'USD',
        targetCurrency: 'PHP',
        fixed: '0.50',
        percentBps: 0,
        min: '0.50',
        max: null,
        requestedBy: 'operator-1',
      }),
    ).toMatchObject({ ok: true, fee: { fixed: '0.50', max: null } });

    const reply = await client.quote({
      sourceCurrency: 'USD',
      targetCurrency: 'PHP',
      sendAmount: '100.00',
      payer: 'us-send',
    });
    if (!reply.ok) throw new Error(JSON.stringify(reply.error));
    expect(reply.quote).toMatchObject({ spreadBps: 80, markupBps: 25, fee: '0.50', totalCost: '100.50' });
    // 58.615 x (1 - 0.0105) = 57.9995425: 100 USD buy 5799.95425 PHP, the payee gets the floor.
    expect(reply.quote.receiveAmount).toBe('5799.95');

    const { rows } = await pg.query(
      `select spread_bps, created_by from fx.spreads
       where source_currency = 'USD' and target_currency = 'PHP' order by id`,
    );
    expect(rows).toEqual([
      { spread_bps: 50, created_by: 'seed' },
      { spread_bps: 80, created_by: 'operator-1' },
    ]);
  });

  it('answers typed errors: unknown corridor, invalid amount, invalid request, unknown currency', async () => {
    expect(
      await client.quote({ sourceCurrency: 'JPY', targetCurrency: 'PHP', sendAmount: '1000' }),
    ).toMatchObject({
      ok: false,
      type: 'quote',
      error: { code: 'UNKNOWN_CORRIDOR' },
    });
    expect(
      await client.quote({ sourceCurrency: 'USD', targetCurrency: 'PHP', sendAmount: '1.005' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'INVALID_AMOUNT', field: 'sendAmount', message: expect.stringMatching(/3 decimals/) },
    });
    expect(
      await client.setSpread({
        sourceCurrency: 'USD',
        targetCurrency: 'PHP',
        spreadBps: 99_999,
        requestedBy: 'operator-1',
      }),
    ).toMatchObject({
      ok: false,
      type: 'set-spread',
      error: { code: 'INVALID_REQUEST', field: 'spreadBps' },
    });
    expect(
      await client.quote({ sourceCurrency: 'XAU', targetCurrency: 'PHP', sendAmount: '1' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_CURRENCY' },
    });
  });

  it('keeps quoting on the last good rates while the provider fails (flagged as ageing), then refuses them as stale', async () => {
    const rates = app.get(RatesService);
    writeRates('{"source": "int-test-sheet", "base": "USD", "rates": {"PHP": 58.615}}');
    expect(await rates.refresh()).toMatchObject({ ok: false, kind: 'malformed' });
    const { rows } = await pg.query(`select ok, error from fx.rate_refreshes order by id desc limit 1`);
    expect(rows[0]).toMatchObject({ ok: false, error: expect.stringMatching(/rates\.PHP/) });

    const ageing = await client.quote({ sourceCurrency: 'USD', targetCurrency: 'PHP', sendAmount: '10' });
    expect(ageing).toMatchObject({
      ok: true,
      rates: { provider: 'file', ageing: true, legs: [{ pair: 'USD/PHP', stale: false }] },
    });

    await new Promise((r) => setTimeout(r, MAX_AGE_MS + 500));
    const stale = await client.quote({ sourceCurrency: 'USD', targetCurrency: 'PHP', sendAmount: '10' });
    expect(stale).toMatchObject({
      ok: false,
      error: {
        code: 'STALE_RATE',
        rates: {
          ageing: true,
          lastError: expect.stringMatching(/rates\.PHP/),
          legs: [{ pair: 'USD/PHP', stale: true }],
        },
      },
    });
    if (!stale.ok) expect(stale.error.message).toMatch(/provider is failing/);
  });
});
