import { buildGenesis } from '../demo/consortium';
import { benchConsortium, FX_PROVIDER, lastLineOf, medianLine, parseArgs } from './e2e-bench';

describe('bench options', () => {
  it('takes a short run from the command line, over the environment', () => {
    const args = parseArgs(['--seconds', '5', '--warmup-seconds=2', '--pgbench-seconds', '5'], {
      BENCH_SECONDS: '30',
      BENCH_FX_SHARE: '0.25',
    });
    expect([args.batchSeconds, args.singleSeconds, args.halfSeconds, args.skewSeconds]).toEqual([5, 5, 5, 5]);
    expect(args.warmupSeconds).toBe(2);
    expect(args.pgbenchSeconds).toBe(5);
    expect(args.fxShare).toBe(0.25);
  });

  it('starts the console only when asked, by flag or environment', () => {
    expect(parseArgs([], {}).console).toBe(false);
    expect(parseArgs(['--console'], {}).console).toBe(true);
    expect(parseArgs([], { BENCH_CONSOLE: '1' }).console).toBe(true);
  });

  it('defaults to a 10 % cross-currency share and refuses a share above 1', () => {
    expect(parseArgs([], {}).fxShare).toBe(0.1);
    expect(parseArgs(['--fx-share', '0'], {}).fxShare).toBe(0);
    expect(() => parseArgs(['--fx-share', '1.5'], {})).toThrow(/between 0 and 1/);
    expect(() => parseArgs(['--fx-share', '-0.1'], {})).toThrow(/non-negative/);
  });

  it("profiles the gateway and s1 by default, or the services named, which must be the network's", () => {
    expect(parseArgs(['--profile'], {})).toMatchObject({
      profile: true,
      profileServices: ['gateway', 'ledger-s1'],
    });
    expect(parseArgs(['--profile-services', 'clearing,ledger-s4'], {})).toMatchObject({
      profile: true,
      profileServices: ['clearing', 'ledger-s4'],
    });
    expect(parseArgs([], { BENCH_PROFILE_SERVICES: 'fx' }).profileServices).toEqual(['fx']);
    expect(() => parseArgs(['--profile-services', 'gateway,postgres'], {})).toThrow(/profile-services/);
    expect(() => parseArgs(['--profile-services', ''], {})).toThrow(/profile-services/);
  });
});

describe('benchConsortium', () => {
  it('has the partners plus an FX provider funded in every currency, named as the FX service provider', () => {
    const spec = benchConsortium(24, 'bench-test');
    expect(spec.fxProvider).toBe(FX_PROVIDER);
    expect(spec.participants).toHaveLength(25);
    const provider = spec.participants.find((p) => p.id === FX_PROVIDER)!;
    const currencies = new Set(spec.participants.flatMap((p) => p.currencies));
    expect(new Set(provider.currencies)).toEqual(currencies);
    expect(provider.fundsMinor).toBeGreaterThanOrEqual(10n ** 15n);
    const genesis = buildGenesis(spec);
    const funded = genesis.openingFunds.filter((f) => f.participantId === FX_PROVIDER).map((f) => f.currency);
    expect(new Set(funded)).toEqual(currencies);
    // The last partner stays poor, so that some transfers are rejected for its funds.
    expect(spec.participants[23].fundsMinor).toBe(100_000n);
  });
});

describe('e2e bench repeated runs', () => {
  it('takes --repeat, and refuses a repeat that is not a whole number of runs', () => {
    expect(parseArgs([], {}).repeat).toBe(1);
    expect(parseArgs(['--repeat', '3'], {}).repeat).toBe(3);
    expect(() => parseArgs(['--repeat', '0'], {})).toThrow(/--repeat/);
    expect(() => parseArgs(['--repeat', '1.5'], {})).toThrow(/--repeat/);
  });

  it('ends with the median of each figure and of the runs own ratios, in the one-run format', () => {
    const runs = [
      { batchesPerS: 20_000, singlePerS: 1_300, p99Ms: 240, pgbenchTps: 6_000 },
      { batchesPerS: 14_000, singlePerS: 1_000, p99Ms: 300, pgbenchTps: 5_000 },
      { batchesPerS: 17_000, singlePerS: 1_100, p99Ms: 250, pgbenchTps: 7_000 },
    ];
    expect(lastLineOf(runs[0])).toBe(
      'e2e: 20000 transfers/s finalized (batches), 1300 transfers/s (single), p99 240 ms at half load, pgbench-N 6000 tps, ratio 3.33',
    );
    // Ratios 3.33, 2.80, 2.43: the median ratio is 2.80, not 17,000 / 6,000.
    expect(medianLine(runs)).toBe(
      'e2e: 17000 transfers/s finalized (batches), 1100 transfers/s (single), p99 250 ms at half load, pgbench-N 6000 tps, ratio 2.80',
    );
  });
});
