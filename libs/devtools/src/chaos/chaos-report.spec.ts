import { FaultReport, formatTable, lastLine } from './chaos-report';

const report = (name: string, recoverySeconds: number, extra: Partial<FaultReport> = {}): FaultReport => ({
  name,
  startMs: 0,
  endMs: 0,
  recoverySeconds,
  p99Ms: 900,
  lost: 0,
  duplicated: 0,
  ...extra,
});

describe('chaos report', () => {
  it('ends with the fault count, what was lost and duplicated, and the p99 of the recoveries', () => {
    const reports = [report('a', 1.2), report('b', 3.4), report('c', 14.9)];
    expect(lastLine(reports, 0, 0)).toBe('chaos: 3 faults, 0 lost, 0 duplicated, recovery p99 14.9 s');
    expect(lastLine([report('a', Infinity)], 2, 1)).toBe(
      'chaos: 1 faults, 2 lost, 1 duplicated, recovery p99 never s',
    );
  });

  it('tables each fault, saying whether the faults that must halt finality did', () => {
    const table = formatTable([
      report('SIGKILL gateway', 2.04),
      report('two Byzantine', 9, { haltedSafely: true, p99Ms: null }),
      report('broken', Infinity, { haltedSafely: false, lost: 3 }),
    ]).split('\n');
    expect(table[0]).toMatch(
      /^\| fault +\| lost \| duplicated \| finality back \(s\) \| p99 during \(ms\) \| +\|$/,
    );
    expect(table[2]).toMatch(/^\| SIGKILL gateway +\| 0 +\| 0 +\| 2\.0 +\| 900 +\| +\|$/);
    expect(table[3]).toContain('| halted safely');
    expect(table[4]).toMatch(/\| broken +\| 3 +\| 0 +\| never +\| 900 +\| DID NOT HALT +\|/);
  });
});
