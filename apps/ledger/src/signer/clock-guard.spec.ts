import { ClockJump, describeClockJump, LogClockGuard } from './clock-guard';

describe('LogClockGuard', () => {
  let now = 1_000_000;
  const jumps: ClockJump[] = [];
  const guard = () =>
    new LogClockGuard(
      5_000,
      (jump) => jumps.push(jump),
      () => now,
    );

  beforeEach(() => {
    now = 1_000_000;
    jumps.length = 0;
  });

  it('applies records within the bound of the signer clock at once, and reports nothing', () => {
    const g = guard();
    expect(g.waitBefore(1n, now + 5_000, now - 10)).toBe(0);
    expect(g.waitBefore(2n, now - 4_000, now)).toBe(0);
    expect(jumps).toEqual([]);
  });

  it('holds a record stamped beyond the bound ahead until the signer clock comes within it, reporting once', () => {
    const g = guard();
    const stamped = now + 65_000;
    expect(g.waitBefore(7n, stamped, now)).toBe(60_000);
    now += 59_000;
    expect(g.waitBefore(7n, stamped, now)).toBe(1_000);
    now += 1_000;
    expect(g.waitBefore(7n, stamped, now)).toBe(0);
    expect(jumps).toEqual([
      { direction: 'forward', offset: 7n, recordTimeMs: stamped, referenceMs: 1_000_000 },
    ]);
    expect(describeClockJump(jumps[0])).toBe(
      "the log time of offset 7 is 65000 ms ahead of this signer's clock: waiting until it is within the bound instead of following it",
    );
  });

  it('reports a step back beyond the bound once, and does not hold the record', () => {
    const g = guard();
    const ledgerClock = now;
    expect(g.waitBefore(3n, now - 60_000, ledgerClock)).toBe(0);
    expect(g.waitBefore(4n, now - 59_000, ledgerClock)).toBe(0);
    expect(jumps).toEqual([
      { direction: 'backward', offset: 3n, recordTimeMs: now - 60_000, referenceMs: now },
    ]);
    expect(describeClockJump(jumps[0])).toMatch(/60000 ms behind the ledger clock/);
  });
});
