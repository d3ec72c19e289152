import { clearingSchema, ConfigError, loadConfig, parseWindowSchedule } from './config';

function problems(env: Record<string, string>): { variable: string; message: string }[] {
  try {
    loadConfig(clearingSchema, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('CLEARING_WINDOW_SCHEDULE', () => {
  it('gives each named currency its cron pattern and time zone, and nothing to the others', () => {
    const config = loadConfig(clearingSchema, {
      CLEARING_WINDOW_SCHEDULE:
        ' USD=0 0 16 * * *@America/New_York ; PHP=0  30 17 * * 1-5@Asia/Manila;EUR=0 12 * * *;',
    });
    expect(config.CLEARING_WINDOW_SCHEDULE).toEqual({
      USD: { pattern: '0 0 16 * * *', tz: 'America/New_York' },
      PHP: { pattern: '0 30 17 * * 1-5', tz: 'Asia/Manila' },
      EUR: { pattern: '0 12 * * *' },
    });
    expect(loadConfig(clearingSchema, {}).CLEARING_WINDOW_SCHEDULE).toEqual({});
    expect(loadConfig(clearingSchema, {}).CLEARING_WINDOW_INTERVAL_MS).toBe(3_600_000);
  });

  it('names every invalid entry in one error', () => {
    const found = problems({
      CLEARING_WINDOW_SCHEDULE:
        'usd=0 0 16 * * *;PHP=0 0 25 * * *;EUR=0 16 * * *@Mars/Base;JPY=16:00;GBP=0 16 * * *;GBP=0 17 * * *;CHF',
    });
    expect(found.every((p) => p.variable === 'CLEARING_WINDOW_SCHEDULE')).toBe(true);
    const messages = found.map((p) => p.message);
    expect(messages).toEqual([
      expect.stringMatching(/^"usd=0 0 16 \* \* \*": must be CUR=/),
      expect.stringMatching(/^"PHP=0 0 25 \* \* \*": not a cron pattern: .*25/),
      expect.stringMatching(/^"EUR=0 16 \* \* \*@Mars\/Base": unknown time zone "Mars\/Base"/),
      expect.stringMatching(/^"JPY=16:00": a cron pattern has 5 fields/),
      expect.stringMatching(/^"GBP=0 17 \* \* \*": GBP is scheduled more than once/),
      expect.stringMatching(/^"CHF": must be CUR=/),
    ]);
  });

  it('reads the same entries alone as in the variable', () => {
    expect(parseWindowSchedule('USD=*/5 * * * * *')).toEqual({
      schedule: { USD: { pattern: '*/5 * * * * *' } },
      problems: [],
    });
  });
});
