import { createLogger } from '@concord/observability';
import { TEST_REDIS_URL, uniqueName } from '@concord/testing';
import { WindowScheduler } from './windows.processor';

jest.setTimeout(30_000);

const HOUR_MS = 3_600_000;
const log = createLogger('clearing-test', 'silent');

/**
 * The cut-off schedule against real Redis: a cron pattern (with its time zone) for the currencies the
 * configuration names, the interval for the others, one close per cut-off with that cut-off's request id,
 * and a restart that leaves every cut-off where it was.
 */
describe('WindowScheduler', () => {
  it('closes a currency on its cron pattern with one request id per cut-off, and the others on the interval', async () => {
    const calls: { currency: string; requestId: string; at: number }[] = [];
    const scheduler = new WindowScheduler(
      TEST_REDIS_URL,
      uniqueName('sched'),
      { cutOffs: { USD: { pattern: '* * * * * *' } }, defaultEveryMs: HOUR_MS },
      async (currency, requestId) => void calls.push({ currency, requestId, at: Date.now() }),
      log,
    );
    try {
      await scheduler.start(['USD']);
      await scheduler.ensure('PHP');
      await scheduler.ensure('PHP');
      expect(await scheduler.describe('USD')).toMatchObject({ pattern: '* * * * * *' });
      // PHP is not named: the hourly interval, its first cut-off an hour from now (not right away).
      const php = (await scheduler.describe('PHP'))!;
      expect(php).toMatchObject({ every: HOUR_MS });
      expect(php.pattern).toBeUndefined();
      expect(php.next! - Date.now()).toBeGreaterThan(HOUR_MS - 5000);
      expect(php.next! - Date.now()).toBeLessThanOrEqual(HOUR_MS);
      await new Promise((r) => setTimeout(r, 3500));
    } finally {
      await scheduler.stop();
    }
    expect(calls.every((c) => c.currency === 'USD')).toBe(true);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.length).toBeLessThanOrEqual(5);
    // Each close names its cut-off: the whole second it was scheduled for, never twice.
    for (const c of calls) expect(c.requestId).toMatch(/^schedule:USD:\d+000$/);
    expect(new Set(calls.map((c) => c.requestId)).size).toBe(calls.length);
    for (const c of calls) {
      const scheduledMs = Number(c.requestId.split(':')[2]);
      expect(c.at).toBeGreaterThanOrEqual(scheduledMs - 50);
    }
  });

  it('keeps every cut-off where it was across a restart, and applies a changed schedule', async () => {
    const prefix = uniqueName('sched');
    const start = async (cutOffs: Record<string, { pattern: string; tz?: string }>, everyMs: number) => {
      const s = new WindowScheduler(
        TEST_REDIS_URL,
        prefix,
        { cutOffs, defaultEveryMs: everyMs },
        async () => {},
        log,
      );
      await s.start(['USD', 'PHP']);
      return s;
    };
    const ny = { USD: { pattern: '0 0 16 * * *', tz: 'America/New_York' } };
    const first = await start(ny, HOUR_MS);
    const usd = (await first.describe('USD'))!;
    const php = (await first.describe('PHP'))!;
    await first.stop();
    expect(usd).toMatchObject({ pattern: '0 0 16 * * *', tz: 'America/New_York' });
    // 16:00 in New York is 20:00 or 21:00 UTC, depending on daylight saving time.
    expect([20, 21]).toContain(new Date(usd.next!).getUTCHours());
    expect(usd.next! - Date.now()).toBeLessThanOrEqual(24 * HOUR_MS);

    await new Promise((r) => setTimeout(r, 1100));
    const second = await start(ny, HOUR_MS);
    try {
      expect((await second.describe('USD'))!.next).toBe(usd.next);
      expect((await second.describe('PHP'))!.next).toBe(php.next);
    } finally {
      await second.stop();
    }

    // Another configuration replaces the schedulers: USD at 17:00 in Manila, PHP by the day.
    const third = await start({ USD: { pattern: '0 0 17 * * *', tz: 'Asia/Manila' } }, 24 * HOUR_MS);
    try {
      const changed = (await third.describe('USD'))!;
      expect(changed).toMatchObject({ pattern: '0 0 17 * * *', tz: 'Asia/Manila' });
      expect(new Date(changed.next!).getUTCHours()).toBe(9);
      expect((await third.describe('PHP'))!).toMatchObject({ every: 24 * HOUR_MS });
      // From a pattern back to the interval: no field of the pattern stays behind.
      const fourth = new WindowScheduler(
        TEST_REDIS_URL,
        prefix,
        { cutOffs: {}, defaultEveryMs: HOUR_MS },
        async () => {},
        log,
      );
      await third.stop();
      await fourth.start(['USD']);
      const back = (await fourth.describe('USD'))!;
      await fourth.stop();
      expect(back).toMatchObject({ every: HOUR_MS });
      expect(back.pattern).toBeUndefined();
      expect(back.tz).toBeUndefined();
    } finally {
      await third.stop().catch(() => undefined);
    }
  });
});
