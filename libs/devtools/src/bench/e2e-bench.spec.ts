import { buildGenesis } from '../demo/consortium';
import { benchConsortium, FX_PROVIDER, parseArgs } from './e2e-bench';

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
