import fc from 'fast-check';
import type { FinalizedBlock } from '@concord/contracts';
import {
  alarmThreshold,
  alarmTransition,
  blockDeltas,
  GrossPosition,
  HUB,
  netPositions,
  settlementInstructions,
  settlingMoves,
  valueDateOf,
} from './netting';

type BlockMove = FinalizedBlock['moves'][number];
const participants = ['hk-remit', 'mnl-payout', 'sg-fx', 'us-send'];
const move: fc.Arbitrary<BlockMove> = fc.record({
  payer: fc.constantFrom(...participants),
  payee: fc.constantFrom(...participants),
  amountMinor: fc.bigInt({ min: 1n, max: 10n ** 15n }).map(String),
  currency: fc.constantFrom('USD', 'PHP'),
  count: fc.integer({ min: 1, max: 5 }),
});
const blocks = fc.array(fc.array(move, { maxLength: 12 }), { maxLength: 12 });
/** Which participants settle gross (as the ledger announced them): any subset, none and all included. */
const grossSets = fc.subarray(participants).map((ids) => new Set(ids));

/** Accumulates blocks the way the repository does: once per height, whatever the delivery order. */
function accumulate(
  delivered: { height: number; moves: BlockMove[] }[],
  grossIds: ReadonlySet<string> = new Set(),
) {
  const seen = new Set<number>();
  const gross = new Map<string, Map<string, GrossPosition>>();
  for (const block of delivered) {
    if (seen.has(block.height)) continue;
    seen.add(block.height);
    for (const delta of blockDeltas(settlingMoves(block, grossIds))) {
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
  it('net positions of each currency sum to zero with the hub, and the net moved never exceeds the gross', () => {
    fc.assert(
      fc.property(blocks, grossSets, (bs, grossIds) => {
        const gross = accumulate(
          bs.map((moves, i) => ({ height: i + 1, moves })),
          grossIds,
        );
        for (const positions of gross.values()) {
          const n = netPositions(positions);
          expect(n.positions.reduce((s, p) => s + p.netMinor, 0n)).toBe(0n);
          expect(n.netMovedMinor <= n.grossMinor).toBe(true);
          expect(n.netMovedMinor >= 0n).toBe(true);
          expect(n.efficiencyBps).toBeGreaterThanOrEqual(0);
          expect(n.efficiencyBps).toBeLessThanOrEqual(10000);
          // No gross settlement participant is netted; the hub stands in for them.
          expect(n.positions.some((p) => grossIds.has(p.participantId))).toBe(false);
          // Pay-ins and pay-outs balance exactly, with the hub's net (the gross participants' prefunding
          // that paid or received it) as the difference.
          const instructions = settlementInstructions(1, 'USD', n, '2026-01-01');
          expect(instructions.some((i) => i.participantId === HUB)).toBe(false);
          const sum = (d: string) =>
            instructions.filter((i) => i.direction === d).reduce((s, i) => s + i.amountMinor, 0n);
          const hubNet = n.positions.find((p) => p.participantId === HUB)?.netMinor ?? 0n;
          expect(sum('pay-out') - sum('pay-in')).toBe(-hubNet);
          if (grossIds.size === 0) {
            expect(hubNet).toBe(0n);
            expect(sum('pay-out')).toBe(n.netMovedMinor);
          }
        }
      }),
    );
  });

  it('settles gross participants at once and net ones by the window: every net position back, the hub pays the difference', () => {
    fc.assert(
      fc.property(fc.array(move, { maxLength: 30 }), grossSets, (moves, grossIds) => {
        // The ledger: each move takes the amount from the payer's position to the payee's at once, gross
        // participants' positions included (their prefunding, which the hub's settlement account holds).
        const position = new Map<string, bigint>();
        const add = (p: string, c: string, d: bigint) =>
          position.set(`${p} ${c}`, (position.get(`${p} ${c}`) ?? 0n) + d);
        for (const m of moves) {
          if (m.payer === m.payee) continue;
          add(m.payer, m.currency, -BigInt(m.amountMinor));
          add(m.payee, m.currency, BigInt(m.amountMinor));
        }
        // What the gross participants' positions did is final: nothing settles it later.
        const grossDelta = new Map<string, bigint>();
        for (const [key, value] of position) {
          const [p, c] = key.split(' ');
          if (grossIds.has(p)) grossDelta.set(c, (grossDelta.get(c) ?? 0n) + value);
        }
        // The window's instructions go to net participants only; a pay-in raises the position, a pay-out
        // lowers it, and the hub's net is what the gross participants' positions moved in all.
        for (const [currency, positions] of accumulate([{ height: 1, moves }], grossIds)) {
          const netting = netPositions(positions);
          for (const i of settlementInstructions(1, currency, netting, '2026-01-01')) {
            expect(grossIds.has(i.participantId)).toBe(false);
            add(i.participantId, currency, i.direction === 'pay-in' ? i.amountMinor : -i.amountMinor);
          }
          const hubNet = netting.positions.find((p) => p.participantId === HUB)?.netMinor ?? 0n;
          expect([currency, hubNet]).toEqual([currency, grossDelta.get(currency) ?? 0n]);
        }
        for (const [key, value] of position) {
          if (!grossIds.has(key.split(' ')[0])) expect([key, value]).toEqual([key, 0n]);
        }
      }),
    );
  });

  it('replaying the same finalized blocks (redelivered, reordered) gives the same instructions', () => {
    fc.assert(
      fc.property(
        blocks,
        grossSets,
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.infiniteStream(fc.nat()),
        (bs, grossIds, replays, order) => {
          const once = bs.map((moves, i) => ({ height: i + 1, moves }));
          const again = [...once, ...replays.filter((r) => r < once.length).map((r) => once[r])];
          // A deterministic shuffle of the deliveries.
          const shuffled = again
            .map((b) => ({ b, k: order.next().value as number }))
            .sort((x, y) => x.k - y.k)
            .map((x) => x.b);
          const plan = (delivered: typeof once) =>
            [...accumulate(delivered, grossIds)]
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([currency, positions]) =>
                settlementInstructions(7, currency, netPositions(positions), '2026-01-01'),
              );
          expect(plan(shuffled)).toEqual(plan(once));
        },
      ),
    );
  });

  it('nets a cross-currency transfer as its legs, in each currency, and leaves out hub moves', () => {
    // us-send pays 100.00 USD to mnl-payout in PHP through sg-fx: the ledger's moves are the two legs
    // (and the FX fee to the provider), never us-send -> mnl-payout.
    const moves = settlingMoves({
      moves: [
        { payer: 'us-send', payee: 'sg-fx', currency: 'USD', amountMinor: '10150', count: 2 },
        { payer: 'sg-fx', payee: 'mnl-payout', currency: 'PHP', amountMinor: '560000', count: 1 },
        { payer: 'hub', payee: 'us-send', currency: 'USD', amountMinor: '5', count: 1 },
        { payer: 'a', payee: 'a', currency: 'USD', amountMinor: '5', count: 1 },
      ],
    });
    const deltas = blockDeltas(moves);
    expect(
      deltas.map((d) => [
        d.currency,
        netPositions(d.positions).positions.map((p) => [p.participantId, p.netMinor]),
      ]),
    ).toEqual([
      [
        'PHP',
        [
          ['mnl-payout', 560000n],
          ['sg-fx', -560000n],
        ],
      ],
      [
        'USD',
        [
          ['sg-fx', 10150n],
          ['us-send', -10150n],
        ],
      ],
    ]);
    expect(deltas[1].bilateral).toEqual([
      { payer: 'us-send', payee: 'sg-fx', amountMinor: 10150n, count: 2 },
    ]);
  });

  it('nets a gross participant against the hub, and gives neither of them an instruction', () => {
    const block = {
      moves: [
        { payer: 'gross-bank', payee: 'b', currency: 'USD', amountMinor: '300', count: 1 },
        { payer: 'b', payee: 'c', currency: 'USD', amountMinor: '100', count: 1 },
        { payer: 'c', payee: 'gross-bank', currency: 'USD', amountMinor: '50', count: 1 },
        { payer: 'gross-bank', payee: 'gross-2', currency: 'USD', amountMinor: '7', count: 1 },
      ],
    };
    const [usd] = blockDeltas(settlingMoves(block, new Set(['gross-bank', 'gross-2'])));
    const n = netPositions(usd.positions);
    expect(n.positions.map((p) => [p.participantId, p.netMinor])).toEqual([
      ['b', 200n],
      ['c', 50n],
      ['hub', -250n],
    ]);
    expect(
      settlementInstructions(1, 'USD', n, '2026-01-01').map((i) => [
        i.participantId,
        i.direction,
        i.amountMinor,
      ]),
    ).toEqual([
      ['b', 'pay-out', 200n],
      ['c', 'pay-out', 50n],
    ]);
    // The move between the two gross participants is in no window: both positions moved at the ledger.
    expect(usd.bilateral.map((b) => [b.payer, b.payee, b.amountMinor])).toEqual([
      ['b', 'c', 100n],
      ['c', 'hub', 50n],
      ['hub', 'b', 300n],
    ]);
    // Without gross participants every side is netted.
    const [net] = blockDeltas(settlingMoves(block));
    expect(net.positions.map((p) => p.participantId)).toEqual(['b', 'c', 'gross-2', 'gross-bank']);
  });

  it('computes positions, bilateral obligations, efficiency and instructions of a small example', () => {
    const mv = (payer: string, payee: string, amount: bigint) => ({
      payer,
      payee,
      currency: 'USD',
      amountMinor: amount,
      count: 1,
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
    // Rounded to the nearest basis point, not truncated: 2/3 is 6666.67 bp, and 9201.5 bp is 9202.
    const third = netPositions([
      { participantId: 'a', sentMinor: 2n, receivedMinor: 1n },
      { participantId: 'b', sentMinor: 1n, receivedMinor: 2n },
    ]);
    expect([third.grossMinor, third.netMovedMinor, third.efficiencyBps]).toEqual([3n, 1n, 6667]);
    const half = netPositions([
      { participantId: 'a', sentMinor: 10000n, receivedMinor: 8403n },
      { participantId: 'b', sentMinor: 10000n, receivedMinor: 11597n },
    ]);
    expect([half.grossMinor, half.netMovedMinor, half.efficiencyBps]).toEqual([20000n, 1597n, 9202]);
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
