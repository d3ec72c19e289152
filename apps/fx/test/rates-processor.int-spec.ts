import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { bullConnection } from '@concord/config';
import { eventually, TEST_REDIS_URL, uniqueName } from '@concord/testing';
import type { Rate, RateProvider } from '../src/rates/rate';
import { RATES_QUEUE, RatesRefreshProcessor } from '../src/rates/rates.processor';
import { RatesService } from '../src/rates/rates.service';
import { MemoryRatesRepository, silentLog } from './fakes';

jest.setTimeout(60_000);

const EVERY_MS = 400;

/** A provider whose USD/PHP rate goes up by 0.01 at every fetch, each fetch with its own time. */
class CountingProvider implements RateProvider {
  readonly name = 'counting';
  readonly defaultMaxAgeMs = 3600_000;
  readonly fetchedAtMs: number[] = [];

  async fetch(): Promise<Rate[]> {
    this.fetchedAtMs.push(Date.now());
    const num = 5861n + BigInt(this.fetchedAtMs.length);
    return [{ base: 'USD', quote: 'PHP', rateNum: num, rateDen: 100n, source: 'counting', asOf: new Date() }];
  }
}

/**
 * The scheduled refresh of the reference rates through BullMQ against the real Redis, under a key prefix
 * of its own: the repeatable job runs on its interval and each run refreshes the rates, and however many
 * times (and instances) start the schedule, there is one schedule and one run per interval.
 */
describe('RatesRefreshProcessor against Redis', () => {
  const prefix = uniqueName('fxsched');
  const redis = new Redis(TEST_REDIS_URL);
  const started: RatesRefreshProcessor[] = [];
  const queue = new Queue(RATES_QUEUE, {
    connection: bullConnection(TEST_REDIS_URL),
    prefix: `bull:${prefix}`,
  });

  const processor = (service: RatesService, everyMs = EVERY_MS) => {
    const p = new RatesRefreshProcessor(TEST_REDIS_URL, prefix, everyMs, () => service.refresh(), silentLog);
    started.push(p);
    return p;
  };
  const stopAll = async () => {
    for (const p of started.splice(0)) await p.stop();
  };

  afterAll(async () => {
    await stopAll();
    await queue.close();
    const keys = await redis.keys(`bull:${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('runs the refresh on its schedule, and each run stores and serves the new rates', async () => {
    const provider = new CountingProvider();
    const repo = new MemoryRatesRepository();
    const service = new RatesService(repo.asRepository(), {
      provider,
      maxAgeMs: 3600_000,
      pivot: 'USD',
      log: silentLog,
      cacheMs: 0,
    });
    await processor(service).start();
    await eventually(async () => (provider.fetchedAtMs.length >= 4 ? true : undefined), 15_000, '4 runs');

    // One run per interval: never two close together (a second schedule would show as a run within a
    // fraction of the interval of another one).
    const gaps = provider.fetchedAtMs.slice(1).map((t, i) => t - provider.fetchedAtMs[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(EVERY_MS * 0.6);
    expect(await queue.getJobSchedulersCount()).toBe(1);
    // Stopping waits for a running refresh; then each run has refreshed the rates: stored with their
    // source, one row per run (each fetch brings a new rate), and the last one is what quotes use.
    await stopAll();
    const runs = provider.fetchedAtMs.length;
    expect(repo.rows).toHaveLength(runs);
    expect(repo.refreshes).toHaveLength(runs);
    expect(repo.refreshes.every((r) => r.ok && r.provider === 'counting')).toBe(true);
    const { path, status } = await service.resolve('USD', 'PHP');
    expect(status.ageing).toBe(false);
    expect(path.legs[0].source).toBe('counting');
    expect(path.rate.num * 100n).toBe((5861n + BigInt(runs)) * path.rate.den);
  });

  it('starting the schedule again, in the same or a second instance, keeps one schedule and one run per interval', async () => {
    const provider = new CountingProvider();
    const service = new RatesService(new MemoryRatesRepository().asRepository(), {
      provider,
      maxAgeMs: 3600_000,
      pivot: 'USD',
      log: silentLog,
      cacheMs: 0,
    });
    // Two FX instances start at once, and a third one later (a restart).
    await Promise.all([processor(service).start(), processor(service).start()]);
    await new Promise((r) => setTimeout(r, EVERY_MS * 2));
    await processor(service).start();
    expect(await queue.getJobSchedulersCount()).toBe(1);
    const [scheduler] = await queue.getJobSchedulers();
    expect(scheduler).toMatchObject({ key: 'refresh-rates', every: EVERY_MS });

    const from = provider.fetchedAtMs.length;
    const windowMs = EVERY_MS * 8;
    await new Promise((r) => setTimeout(r, windowMs));
    const runs = provider.fetchedAtMs.slice(from);
    // About windowMs / EVERY_MS runs (8): three schedules would make about 24.
    expect(runs.length).toBeGreaterThanOrEqual(4);
    expect(runs.length).toBeLessThanOrEqual(10);
    const gaps = runs.slice(1).map((t, i) => t - runs[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(EVERY_MS * 0.6);
    await stopAll();

    // A restart with another interval replaces the schedule rather than adding one.
    await processor(service, 3600_000).start();
    expect(await queue.getJobSchedulersCount()).toBe(1);
    expect((await queue.getJobSchedulers())[0]).toMatchObject({ key: 'refresh-rates', every: 3600_000 });
  });
});
