import { CpuSampler, CpuSnapshot } from './proc-cpu';

const snapshot = (atMs: number, busy: number, groups: CpuSnapshot['groups']): CpuSnapshot => ({
  atMs,
  groups,
  busy,
  total: busy * 2,
});

describe('CpuSampler.usage', () => {
  it('counts each process from its own start, so that a process that ended does not hide new ones', () => {
    // 10 s apart, 100 ticks per second: postgres backend 11 closed, 12 and 13 opened meanwhile.
    const from = snapshot(0, 1_000, {
      gateway: { '1': 500 },
      postgres: { '10': 2_000, '11': 9_000 },
    });
    const to = snapshot(10_000, 2_000, {
      gateway: { '1': 800 },
      postgres: { '10': 2_100, '12': 150, '13': 50 },
    });
    const usage = CpuSampler.usage(from, to);
    expect(usage.seconds).toBe(10);
    expect(usage.cores.gateway).toBeCloseTo(0.3);
    // 100 ticks of backend 10 and 200 of the new ones; backend 11 neither adds nor subtracts.
    expect(usage.cores.postgres).toBeCloseTo(0.3);
    expect(usage.machineBusyCores).toBeCloseTo(1);
    expect(usage.cores.other).toBeCloseTo(0.4);
  });

  it('reports nothing for an empty window', () => {
    const at = snapshot(5, 10, { gateway: { '1': 1 } });
    expect(CpuSampler.usage(at, at).cores).toEqual({});
  });
});
