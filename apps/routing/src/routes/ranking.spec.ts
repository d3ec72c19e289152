import type { AppRule } from '@concord/contracts';
import type { Price } from './pricing';
import { Candidate, failingNow, rank, splitPick, successRate } from './ranking';

const record = (
  fulfilled = 0,
  failed = 0,
  recentFailed = 0,
  recentTotal = 0,
  medianPayoutMs: number | null = null,
) => ({
  fulfilled,
  failed,
  recentFailed,
  recentTotal,
  medianPayoutMs,
});

function candidate(
  partner: string,
  costBps: number,
  extra: Partial<Candidate<string>> = {},
): Candidate<string> {
  const price = { costBps, totalCostMinor: BigInt(costBps * 100), payoutMinor: 1_000_000n } as Price;
  return {
    partner,
    offerId: 'o',
    ref: partner,
    price,
    promisedMs: 60_000,
    record: record(),
    inFlight: 0,
    ...extra,
  };
}

const noBounds = (r: AppRule): [bigint | null, bigint | null] => [
  r.minAmount === undefined ? null : BigInt(r.minAmount),
  r.maxAmount === undefined ? null : BigInt(r.maxAmount),
];
const policy = (strategy: 'cheapest' | 'balanced' | 'success-rate' | 'split', rules: AppRule[] = []) => ({
  strategy,
  rules,
  splitDraw: 0.5,
});

describe('ranking', () => {
  it('cheapest orders by cost alone', () => {
    const { ranked } = rank(
      [candidate('b', 120), candidate('a', 80), candidate('c', 100)],
      policy('cheapest'),
      noBounds,
    );
    expect(ranked.map((r) => r.partner)).toEqual(['a', 'c', 'b']);
    expect(ranked[0].explanation).toContain('80 bps');
  });

  it('eliminates a partner failing now, and says why', () => {
    const failing = candidate('cheap', 50, { record: record(5, 5, 4, 5) });
    const { ranked, dropped } = rank([failing, candidate('ok', 90)], policy('cheapest'), noBounds);
    expect(ranked.map((r) => r.partner)).toEqual(['ok']);
    expect(dropped).toEqual([{ partner: 'cheap', why: 'failing now (1/5 recent payouts)' }]);
    expect(failingNow(record(0, 3, 3, 3))).toBe(false);
  });

  it('balanced weighs failures (a reroute to the next), delay and load against cost', () => {
    const steady = candidate('steady', 85, { record: record(20, 0) });
    // 70% success: a failure goes to the steady one at 85, so trying the cheaper one first pays...
    const flaky = candidate('flaky', 80, { record: record(14, 6) });
    expect(rank([flaky, steady], policy('balanced'), noBounds).ranked[0].partner).toBe('flaky');
    // ...unless it saves less than the wait a failure costs.
    const barely = candidate('barely', 84, { record: record(14, 6) });
    expect(rank([barely, steady], policy('balanced'), noBounds).ranked[0].partner).toBe('steady');
    expect(rank([barely, steady], policy('balanced'), noBounds).ranked[1].explanation).toMatch(/else 85 bps/);
    // The same partners without a record: the cheaper one leads.
    expect(
      rank([candidate('x', 80), candidate('y', 85)], policy('balanced'), noBounds).ranked[0].partner,
    ).toBe('x');
    // Load spreads: many orders in flight at the cheaper one tip it.
    const busy = candidate('busy', 80, { inFlight: 40 });
    expect(rank([busy, candidate('idle', 85)], policy('balanced'), noBounds).ranked[0].partner).toBe('idle');
  });

  it('success-rate prefers the reliable partner over the cheap one', () => {
    const cheap = candidate('cheap', 50, { record: record(7, 3) });
    const sure = candidate('sure', 150, { record: record(10, 0) });
    expect(rank([cheap, sure], policy('success-rate'), noBounds).ranked[0].partner).toBe('sure');
    expect(successRate(record())).toBeCloseTo(2 / 3);
  });

  it("applies the app's rules: prefer under an amount, avoid", () => {
    const rules: AppRule[] = [
      { partner: 'small', action: 'prefer', maxAmount: '2000000' },
      { partner: 'banned', action: 'avoid' },
    ];
    const { ranked } = rank(
      [candidate('cheap', 50), candidate('small', 200), candidate('banned', 10)],
      policy('cheapest', rules),
      noBounds,
    );
    expect(ranked.map((r) => r.partner)).toEqual(['small', 'cheap']);
    expect(ranked[0].explanation).toMatch(/^preferred by the app rule/);
  });

  it('splits volume by shares', () => {
    const split = { a: 70, b: 30 };
    expect(splitPick(split, ['a', 'b'], 0.1)).toBe('a');
    expect(splitPick(split, ['a', 'b'], 0.69)).toBe('a');
    expect(splitPick(split, ['a', 'b'], 0.71)).toBe('b');
    expect(splitPick(split, ['b'], 0.1)).toBe('b');
    expect(splitPick(split, ['c'], 0.1)).toBeNull();
    const { ranked } = rank(
      [candidate('a', 50), candidate('b', 90)],
      { ...policy('split'), split, splitDraw: 0.9 },
      noBounds,
    );
    expect(ranked[0].partner).toBe('b');
  });
});
