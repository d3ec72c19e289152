import fc from 'fast-check';
import type { TransferOutcome } from '@concord/contracts';
import {
  alarmThreshold,
  alarmTransition,
  blockDeltas,
  GrossPosition,
  netPositions,
  settlementInstructions,
  settlingMoves,
  valueDateOf,
} from './netting';

const participants = ['hk-remit', 'mnl-payout', 'sg-fx', 'us-send', 'hub'];
const outcome: fc.Arbitrary<TransferOutcome> = fc
  .record({
    transferId: fc.string({ minLength: 1, maxLength: 8 }).map((s) => `t-${Buffer.from(s).toString('hex')}`),
    status: fc.constantFrom('committed', 'fulfilled', 'rejected', 'reserved', 'aborted', 'expired' as const),
    refusal: fc.option(fc.constant(true as const), { nil: undefined }),
    payer: fc.constantFrom(...participants),
    payee: fc.constantFrom(...participants),
    amountMinor: fc.bigInt({ min: 1n, max: 10n ** 15n }).map(String),
    currency: fc.constantFrom('USD', 'PHP'),
  })
  .map((o) => (o.refusal === undefined ? { ...o, refusal: undefined } : o) as TransferOutcome);
const blocks = fc.array(fc.array(outcome, { maxLength: 12 }), { maxLength: 12 });

/** Accumulates blocks the way the repository does: once per height, whatever the delivery order. */
function accumulate(delivered: { height: number; outcomes: TransferOutcome[] }[]) {
  const seen = new Set<number>();
  const gross = new Map<string, Map<string, GrossPosition>>();
  for (const block of delivered) {
    if (seen.has(block.height)) continue;
    seen.add(block.height);
    for (const delta of blockDeltas(settlingMoves(block.outcomes))) {
      const positions = gross.get(delta.currency) ?? new Map<string, GrossPosition>();
      gross.set(delta.currency, positions);
      for (const p of delta.positions) {
        const q = positions.get(p.participantId) ?? {
          participantId: p.participantId,
          sentMinor: 0n,
          receivedMinor: 0n,
        };
        positions.set(p.participantId, {
          ...q,
          sentMinor: q.sentMinor + p.sentMinor,
          receivedMinor: q.receivedMinor + p.receivedMinor,
        });
      }
    }
  }
  return new Map([...gross].map(([currency, m]) => [currency, [...m.values()]]));
}

describe('netting', () => {
  it('net positions of each currency sum to zero, and the net moved never exceeds the gross', () => {
    fc.assert(
      fc.property(blocks, (bs) => {
        const gross = accumulate(bs.map((outcomes, i) => ({ height: i + 1, outcomes })));
        for (const positions of gross.values()) {
          const n = netPositions(positions);
          expect(n.positions.reduce((s, p) => s + p.netMinor, 0n)).toBe(0n);
          expect(n.netMovedMinor <= n.grossMinor).toBe(true);
          expect(n.netMovedMinor >= 0n).toBe(true);
          expect(n.efficiencyBps).toBeGreaterThanOrEqual(0);
          expect(n.efficiencyBps).toBeLessThanOrEqual(10000);
          // Pay-ins and pay-outs balance exactly.
          const instructions = settlementInstructions(1, 'USD', n, '2026-01-01');
          const sum = (d: string) =>
            instructions.filter((i) => i.direction === d).reduce((s, i) => s + i.amountMinor, 0n);
          expect(sum('pay-in')).toBe(sum('pay-out'));
          expect(sum('pay-out')).toBe(n.netMovedMinor);
        }
      }),
    );
  });

  it('replaying the same finalized blocks (redelivered, reordered) gives the same instructions', () => {
    fc.assert(
      fc.property(
        blocks,
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.infiniteStream(fc.nat()),
        (bs, replays, order) => {
          const once = bs.map((outcomes, i) => ({ height: i + 1, outcomes }));
          const again = [...once, ...replays.filter((r) => r < once.length).map((r) => once[r])];
          // A deterministic shuffle of the deliveries.
          const shuffled = again
            .map((b) => ({ b, k: order.next().value as number }))
            .sort((x, y) => x.k - y.k)
            .map((x) => x.b);
          const plan = (delivered: typeof once) =>
            [...accumulate(delivered)]
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([currency, positions]) =>
                settlementInstructions(7, currency, netPositions(positions), '2026-01-01'),
              );
          expect(plan(shuffled)).toEqual(plan(once));
        },
      ),
    );
  });

  it('leaves out refusals, funds in/out through the hub and unsettled states', () => {
    const base = { payer: 'a', payee: 'b', amountMinor: '100', currency: 'USD' };
    const moves = settlingMoves([
      { ...base, transferId: 't1', status: 'committed' },
      { ...base, transferId: 't2', status: 'committed', refusal: true },
      { ...base, transferId: 't3', status: 'reserved' },
      { ...base, transferId: 't4', status: 'fulfilled' },
      { ...base, transferId: 't5', status: 'committed', payer: 'hub' },
      { ...base, transferId: 't6', status: 'committed', payee: 'hub' },
    ]);
    expect(moves.map((m) => m.amountMinor)).toEqual([100n, 100n]);
  });

  it('computes positions, bilateral obligations, efficiency and instructions of a small example', () => {
    const mv = (payer: string, payee: string, amount: bigint) => ({
      payer,
      payee,
      currency: 'USD',
      amountMinor: amount,
    });
    const [usd] = blockDeltas([mv('a', 'b', 100n), mv('b', 'a', 60n), mv('b', 'c', 30n), mv('a', 'b', 5n)]);
    expect(usd.bilateral).toEqual([
      { payer: 'a', payee: 'b', amountMinor: 105n, count: 2 },
      { payer: 'b', payee: 'a', amountMinor: 60n, count: 1 },
      { payer: 'b', payee: 'c', amountMinor: 30n, count: 1 },
    ]);
    const n = netPositions(usd.positions);
    expect(n.positions.map((p) => [p.participantId, p.netMinor])).toEqual([
      ['a', -45n],
      ['b', 15n],
      ['c', 30n],
    ]);
    expect(n.grossMinor).toBe(195n);
    expect(n.netMovedMinor).toBe(45n);
    expect(n.efficiencyBps).toBe(7692);
    expect(settlementInstructions(3, 'USD', n, '2026-11-28')).toEqual([
      {
        id: 'w3.a',
        windowId: 3,
        participantId: 'a',
        currency: 'USD',
        direction: 'pay-in',
        amountMinor: 45n,
        valueDate: '2026-11-28',
      },
      {
        id: 'w3.b',
        windowId: 3,
        participantId: 'b',
        currency: 'USD',
        direction: 'pay-out',
        amountMinor: 15n,
        valueDate: '2026-11-28',
      },
      {
        id: 'w3.c',
        windowId: 3,
        participantId: 'c',
        currency: 'USD',
        direction: 'pay-out',
        amountMinor: 30n,
        valueDate: '2026-11-28',
      },
    ]);
  });

  it('fires the limit alarm once per crossing and re-arms above the threshold', () => {
    const threshold = alarmThreshold(1_000_000n, 8000);
    expect(threshold).toBe(-800_000n);
    expect(alarmTransition(-800_000n, threshold, false)).toBeNull();
    expect(alarmTransition(-800_001n, threshold, false)).toBe('alarm');
    expect(alarmTransition(-900_000n, threshold, true)).toBeNull();
    expect(alarmTransition(-800_000n, threshold, true)).toBe('clear');
    expect(valueDateOf(new Date('2026-11-27T23:30:00Z'), 1)).toBe('2026-11-28');
  });
});
