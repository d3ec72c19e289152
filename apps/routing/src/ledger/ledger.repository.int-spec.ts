import { PrismaClient } from '.prisma/routing-client';
import type { FinalizedBlock } from '@concord/contracts';
import { appClient } from '@concord/db';
import { createTestDatabase } from '@concord/testing';
import { OrdersRepository } from '../orders/orders.repository';
import { LedgerRepository } from './ledger.repository';

/** A finalized block as the ledger publishes it, with only what routing reads filled in. */
function block(
  height: number,
  blockTimeMs: number,
  outcomes: FinalizedBlock['outcomes'],
  participants: FinalizedBlock['participants'] = [],
): FinalizedBlock {
  const hex = '0'.repeat(64);
  return {
    v: 1,
    header: {
      chainId: 'c',
      height,
      prevHash: hex,
      entriesRoot: hex,
      stateRoot: hex,
      blockTimeMs,
      entryCount: 1,
      firstOffset: '0',
      lastOffset: '0',
    },
    headerHash: hex,
    certificate: [],
    outcomes,
    participants,
    accounts: [],
    moves: [],
    postings: [],
    proposals: [],
  } as FinalizedBlock;
}

const outcome = (transferId: string, status: FinalizedBlock['outcomes'][number]['status']) => ({
  transferId,
  status,
  payer: 'app',
  payee: 'ph-a',
  amountMinor: '100000',
  currency: 'HKD',
});

describe('LedgerRepository (PostgreSQL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let prisma: PrismaClient;
  let ledger: LedgerRepository;
  let orders: OrdersRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    prisma = appClient(PrismaClient, db.url, 2);
    ledger = new LedgerRepository(prisma);
    orders = new OrdersRepository(prisma);
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await db.drop();
  });

  it('applies members, two-phase outcomes and order states once per block', async () => {
    const member = {
      id: 'app',
      name: 'App',
      keys: [{ keyId: 'app-1', publicKey: 'a'.repeat(64) }],
      currencies: ['HKD'],
      status: 'active' as const,
      settlement: 'net' as const,
    };
    expect((await ledger.apply(block(0, 1000, [], [member])))?.members.map((m) => m.id)).toEqual(['app']);
    const newOrder = {
      id: 'ord_1',
      appId: 'app',
      idempotencyKey: 'k1',
      requestHash: 'h',
      request: {},
      sender: { name: 'M' },
      recipient: { name: 'R' },
      policy: { absorbUpToBps: 50, maxAttempts: 3 },
      sendCurrency: 'HKD',
      destCurrency: 'PHP',
      recipientMinor: 700_000n,
      shownCostMinor: 3_000n,
      valueMinor: 100_000n,
    };
    const first = {
      n: 1,
      partnerId: 'ph-a',
      offerId: 'o',
      offerVersion: 1,
      transferId: 'ord_1.1',
      transferBody: '{}',
      quoteId: 'q1',
      payoutMinor: 710_000n,
      recipientMinor: 700_000n,
      costMinor: 3_000n,
      deadlineAt: new Date(Date.now() + 60_000),
    };
    expect((await orders.create(newOrder, first))?.state).toBe('routed');
    // The same key again: null, and the caller reads the first order; so is a quote used twice.
    expect(
      await orders.create({ ...newOrder, id: 'ord_2' }, { ...first, transferId: 'ord_2.1', quoteId: null }),
    ).toBeNull();
    expect(
      await orders.create(
        { ...newOrder, id: 'ord_3', idempotencyKey: 'k3' },
        { ...first, transferId: 'ord_3.1' },
      ),
    ).toBeNull();

    const reserved = await ledger.apply(block(1, 2000, [outcome('ord_1.1', 'reserved')]));
    expect(reserved?.orders).toEqual(['ord_1']);
    // Another payer's transfer under the same id (ids are per payer) does not move the order; it counts in
    // the partner's stats as its own outcome, not as the order's.
    const foreign = await ledger.apply(
      block(2, 2500, [
        { ...outcome('ord_1.1', 'reserved'), payer: 'other' },
        { ...outcome('ord_1.1', 'aborted'), payer: 'other' },
      ]),
    );
    expect(foreign?.orders).toEqual([]);
    expect(foreign?.outcomes).toEqual([
      { partner: 'ph-a', currency: 'HKD', ok: false, latencyMs: 0, atMs: 2500 },
    ]);
    expect((await orders.get('ord_1'))?.state).toBe('reserved');
    const paid = await ledger.apply(block(3, 2750, [outcome('ord_1.1', 'fulfilled')]));
    expect(paid?.outcomes).toEqual([
      { partner: 'ph-a', currency: 'HKD', ok: true, latencyMs: 750, atMs: 2750 },
    ]);
    // The same block read again after a crash: nothing applied twice.
    expect(await ledger.apply(block(3, 2750, [outcome('ord_1.1', 'aborted')]))).toBeNull();
    const order = await orders.get('ord_1');
    expect(order?.state).toBe('paid_out');
    expect(order?.events.map((e) => e.state)).toEqual(['created', 'routed', 'reserved', 'paid_out']);
    expect(await ledger.recentOutcomes(10)).toEqual(
      expect.arrayContaining([...paid!.outcomes, ...foreign!.outcomes]),
    );
    expect(await ledger.height()).toBe(3);
  });
});
