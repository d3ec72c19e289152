import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { FxServiceError } from '../src/errors';
import { FxMetrics } from '../src/metrics';
import { EcbRateProvider } from '../src/rates/providers/ecb.provider';
import { HttpJsonRateProvider } from '../src/rates/providers/http-json.provider';
import { RateProviderError } from '../src/rates/rate';
import { RatesService } from '../src/rates/rates.service';
import { MemoryRatesRepository, recordingLog } from './fakes';

const HOUR = 3600 * 1000;

/** A local rates endpoint whose behaviour each test sets. */
class RatesServer {
  mode: 'good' | 'slow' | 'numbers' | 'not-json' | 'missing' | 'status' | 'huge' | 'future' | 'ecb' = 'good';
  asOf = '2026-11-27T10:00:00Z';
  requests = 0;
  private server: Server | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();

  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.answer(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/rates`;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private answer(_req: IncomingMessage, res: ServerResponse): void {
    this.requests++;
    const json = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const good = { base: 'USD', asOf: this.asOf, rates: { PHP: '58.6150', HKD: '7.7812', USD: '1' } };
    switch (this.mode) {
      case 'good':
        return json(good);
      case 'slow': {
        // Headers now, the body never within the client's timeout.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"base":"USD",');
        const t = setTimeout(() => res.end('"asOf":"x","rates":{}}'), 5000);
        this.timers.add(t);
        return;
      }
      case 'numbers':
        return json({ ...good, rates: { PHP: 58.615 } });
      case 'not-json':
        res.writeHead(200, { 'content-type': 'text/html' });
        return void res.end('<html>maintenance</html>');
      case 'missing':
        return json({ base: 'USD', rates: { PHP: '58.6150' } });
      case 'status':
        res.writeHead(503);
        return void res.end('busy');
      case 'huge':
        return json({ ...good, padding: 'x'.repeat(2 * 1024 * 1024) });
      case 'future':
        return json({ ...good, asOf: '2027-01-01T00:00:00Z' });
      case 'ecb':
        res.writeHead(200, { 'content-type': 'application/xml' });
        return void res.end(readFileSync(join(__dirname, 'fixtures/eurofxref-daily.xml')));
    }
  }
}

describe('HTTP JSON rate provider against a local server', () => {
  const server = new RatesServer();
  let now = new Date('2026-11-27T10:30:00Z').getTime();
  const clock = () => now;

  beforeAll(() => server.start());
  afterAll(() => server.stop());

  it('reads a well-formed answer exactly, skipping the base itself', async () => {
    server.mode = 'good';
    const rates = await new HttpJsonRateProvider(server.url, 1000, () => new Date(clock())).fetch();
    expect(rates).toEqual([
      {
        base: 'USD',
        quote: 'PHP',
        rateNum: 11723n,
        rateDen: 200n,
        source: `http:${new URL(server.url).host}`,
        asOf: new Date('2026-11-27T10:00:00Z'),
      },
      expect.objectContaining({ quote: 'HKD', rateNum: 19453n, rateDen: 2500n }),
    ]);
  });

  it.each([
    ['slow', 'timeout'],
    ['numbers', 'malformed'],
    ['not-json', 'malformed'],
    ['missing', 'malformed'],
    ['status', 'http-status'],
    ['huge', 'too-large'],
    ['future', 'malformed'],
  ] as const)('refuses a %s answer (%s)', async (mode, kind) => {
    server.mode = mode;
    const provider = new HttpJsonRateProvider(server.url, 300, () => new Date(clock()));
    const started = Date.now();
    const error = await provider.fetch().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RateProviderError);
    expect((error as RateProviderError).kind).toBe(kind);
    if (mode === 'slow') expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reports a closed port as unavailable', async () => {
    const provider = new HttpJsonRateProvider('http://127.0.0.1:1/rates', 1000);
    await expect(provider.fetch()).rejects.toMatchObject({ kind: 'unavailable' });
  });

  it('the ECB provider reads the XML over HTTP the same way', async () => {
    server.mode = 'ecb';
    const rates = await new EcbRateProvider(server.url, 1000).fetch();
    expect(rates).toHaveLength(29);
    server.mode = 'not-json';
    await expect(new EcbRateProvider(server.url, 1000).fetch()).rejects.toMatchObject({ kind: 'malformed' });
  });

  it('keeps the last good rates when the provider fails, reports them as ageing, then refuses them as stale', async () => {
    now = new Date('2026-11-27T10:30:00Z').getTime();
    const repo = new MemoryRatesRepository(clock);
    const registry = new Registry();
    const metrics = new FxMetrics(registry);
    const { lines, log } = recordingLog();
    const service = new RatesService(repo.asRepository(), {
      provider: new HttpJsonRateProvider(server.url, 300, () => new Date(clock())),
      maxAgeMs: 2 * HOUR,
      pivot: 'USD',
      log,
      metrics,
      cacheMs: 0,
      now: clock,
    });
    const gauge = async () => (await registry.getSingleMetric('fx_rates_ageing')!.get()).values[0]?.value;

    server.mode = 'good';
    expect(await service.refresh()).toEqual({ ok: true, stored: 2 });
    const fresh = await service.resolve('HKD', 'PHP');
    expect(fresh.status.ageing).toBe(false);
    expect(await gauge()).toBe(0);

    // The provider times out: the refresh fails, the last good rates keep serving, flagged as ageing.
    server.mode = 'slow';
    now += HOUR;
    expect(await service.refresh()).toMatchObject({ ok: false, kind: 'timeout' });
    expect(lines.some((l) => l.level === 'warn' && /ageing/.test(l.message ?? ''))).toBe(true);
    expect(await gauge()).toBe(1);
    const ageing = await service.resolve('HKD', 'PHP');
    expect(ageing.path.rate).toEqual(fresh.path.rate);
    expect(ageing.status).toMatchObject({ provider: 'http', ageing: true });
    expect(ageing.status.lastError).toMatch(/within 300 ms/);
    expect(ageing.status.legs.every((l) => l.ageMs === 1.5 * HOUR && !l.stale)).toBe(true);

    // A malformed answer is no better: still the last good rates.
    server.mode = 'numbers';
    now += 0.4 * HOUR;
    expect(await service.refresh()).toMatchObject({ ok: false, kind: 'malformed' });
    expect((await service.resolve('USD', 'PHP')).status.lastError).toMatch(/decimal string/);

    // Past the max age they are stale: no quote, and the error says why and since when.
    now += 0.2 * HOUR;
    let error: unknown;
    await service.resolve('HKD', 'PHP').catch((e) => (error = e));
    expect(error).toBeInstanceOf(FxServiceError);
    const stale = error as FxServiceError;
    expect(stale.code).toBe('STALE_RATE');
    expect(stale.message).toMatch(/USD\/HKD rate .* as of 2026-11-27T10:00:00.000Z/);
    expect(stale.message).toMatch(/provider is failing/);
    expect(stale.extra.rates).toMatchObject({
      ageing: true,
      lastError: expect.stringMatching(/decimal string/),
    });
    expect(stale.extra.rates!.legs.every((l) => l.stale)).toBe(true);

    // The provider recovers with newer rates: quotes again, no longer ageing.
    server.mode = 'good';
    server.asOf = new Date(now - 60_000).toISOString();
    expect((await service.refresh()).ok).toBe(true);
    expect((await service.resolve('HKD', 'PHP')).status.ageing).toBe(false);
    expect(await gauge()).toBe(0);
    expect(repo.refreshes.map((r) => r.ok)).toEqual([true, false, false, true]);
  });

  it('with no rates at all, a quote is RATE_UNAVAILABLE naming the failure', async () => {
    const repo = new MemoryRatesRepository(clock);
    server.mode = 'status';
    const service = new RatesService(repo.asRepository(), {
      provider: new HttpJsonRateProvider(server.url, 300),
      maxAgeMs: HOUR,
      pivot: 'USD',
      log: recordingLog().log,
      cacheMs: 0,
      now: clock,
    });
    await service.refresh();
    await expect(service.resolve('USD', 'PHP')).rejects.toMatchObject({
      code: 'RATE_UNAVAILABLE',
      message: expect.stringMatching(/answered 503/),
    });
  });
});
