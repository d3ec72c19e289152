import { createLogger } from '@concord/observability';
import { TEST_REDIS_URL, uniqueName } from '../../../../libs/testing/src';
import { WindowScheduler } from './window.scheduler';

jest.setTimeout(30_000);

/** The cut-off schedule against real Redis: one close per currency per interval, never right away. */
describe('WindowScheduler', () => {
  it('closes each scheduled currency once per interval, starting one interval from now', async () => {
    const calls: { currency: string; at: number }[] = [];
    const scheduler = new WindowScheduler(
      TEST_REDIS_URL,
      uniqueName('sched'),
      1000,
      async (currency) => void calls.push({ currency, at: Date.now() }),
      createLogger('clearing-test', 'silent'),
    );
    const started = Date.now();
    await scheduler.start(['USD']);
    await scheduler.ensure('PHP');
    await scheduler.ensure('PHP');
    await new Promise((r) => setTimeout(r, 3500));
    await scheduler.stop();
    const usd = calls.filter((c) => c.currency === 'USD');
    const php = calls.filter((c) => c.currency === 'PHP');
    expect(usd.length).toBeGreaterThanOrEqual(2);
    expect(usd.length).toBeLessThanOrEqual(4);
    expect(php.length).toBeGreaterThanOrEqual(2);
    expect(php.length).toBeLessThanOrEqual(4);
    expect(Math.min(...calls.map((c) => c.at)) - started).toBeGreaterThanOrEqual(900);
  });
});
