import { servicesClient, ServicesPrismaClient } from '@concord/db';
import { createTestDatabase } from '@concord/testing';
import { NewTransfer, TransfersRepository } from './transfers.repository';

const transfer = (id: string, requestHash = `h-${id}`, payer = 'alpha', payee = 'beta'): NewTransfer => ({
  id,
  participantId: payer,
  payer,
  payee,
  amountMinor: 100n,
  currency: 'USD',
  twoPhase: false,
  requestHash,
});

describe('TransfersRepository inserts (real PostgreSQL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let prisma: ServicesPrismaClient;
  let repository: TransfersRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    prisma = servicesClient(db.url);
    repository = new TransfersRepository(prisma);
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await db.drop();
  });

  it('inserts the transfers of concurrent requests, each id once, and tells each request what it created', async () => {
    const before = await repository.insertManyOrGet([transfer('old', 'h-old-first')]);
    expect([...before.created]).toEqual(['old']);
    // Fifty requests at once: singles, a batch, two requests racing for one id with different bodies, and
    // a retry of an id that exists already.
    const requests: NewTransfer[][] = [
      ...Array.from({ length: 45 }, (_, i) => [transfer(`s-${i}`)]),
      [transfer('b-1'), transfer('b-2'), transfer('race')],
      [transfer('race', 'h-race-other')],
      [transfer('old', 'h-old-retry')],
      [transfer('s-3')],
      [transfer('fresh')],
    ];
    const results = await Promise.all(requests.map((r) => repository.insertManyOrGet(r)));
    results.forEach((result, i) => {
      for (const t of requests[i]) expect(result.rows.get(t.id)?.id).toBe(t.id);
    });
    expect([...results[45].created].sort()).toEqual(['b-1', 'b-2', 'race']);
    // The later request for 'race' finds the first one's row, with the first one's request hash.
    expect(results[46].created.size).toBe(0);
    expect(results[46].rows.get('race')!.requestHash).toBe('h-race');
    expect(results[47].created.size).toBe(0);
    expect(results[47].rows.get('old')!.requestHash).toBe('h-old-first');
    // s-3 went in twice: once created (by its first request), once found.
    expect([results[3].created.has('s-3'), results[48].created.has('s-3')]).toEqual([true, false]);
    expect([...results[49].created]).toEqual(['fresh']);
    const total = results.reduce((n, r) => n + r.created.size, 0);
    expect(total).toBe(45 + 3 + 1);
    const stored = await prisma.gatewayTransfer.count();
    expect(stored).toBe(1 + 45 + 3 + 1);
    const rows = await repository.findMany(['race', 'old', 's-0'].map((id) => ({ payer: 'alpha', id })));
    expect(Object.fromEntries(rows.map((r) => [r.id, [r.requestHash, r.status]]))).toEqual({
      race: ['h-race', 'accepted'],
      old: ['h-old-first', 'accepted'],
      's-0': ['h-s-0', 'accepted'],
    });
  });

  it("keeps each payer's ids apart: the same id of two payers is two transfers, found by payer or by payee", async () => {
    // Both payers' requests go in one coalesced statement, each creating its own 'same'.
    const [mine, theirs, third] = await Promise.all([
      repository.insertManyOrGet([transfer('same', 'h-mine', 'p-a', 'p-b')]),
      repository.insertManyOrGet([transfer('same', 'h-theirs', 'p-c', 'p-b')]),
      repository.insertManyOrGet([transfer('same', 'h-third', 'p-b', 'p-a')]),
    ]);
    expect([mine, theirs, third].map((r) => [...r.created])).toEqual([['same'], ['same'], ['same']]);
    expect([mine, theirs, third].map((r) => r.rows.get('same')!.requestHash)).toEqual([
      'h-mine',
      'h-theirs',
      'h-third',
    ]);
    expect((await repository.find('p-c', 'same'))?.requestHash).toBe('h-theirs');
    expect(await repository.find('p-x', 'same')).toBeNull();
    // p-b's view of 'same': its own, and the two paid to it; p-a's: its own and the one p-b paid it.
    const ofB = await repository.withId('p-b', 'same');
    expect(ofB.map((r) => [r.payer, r.payee])).toEqual([
      ['p-a', 'p-b'],
      ['p-b', 'p-a'],
      ['p-c', 'p-b'],
    ]);
    expect((await repository.withId('p-a', 'same')).map((r) => r.payer)).toEqual(['p-a', 'p-b']);
    expect(await repository.withId('p-x', 'same')).toEqual([]);
  });
});
