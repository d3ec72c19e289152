import { createTestDatabase } from '../../testing/src';
import { servicesClient, ServicesPrismaClient, sqlOf } from './index';

/** The plain-SQL side of a Prisma client, on a real PostgreSQL: values as Prisma gives them, transactions. */
describe('sqlOf', () => {
  let db: { url: string; drop: () => Promise<void> };
  let prisma: ServicesPrismaClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    prisma = servicesClient(db.url, 2);
  });

  afterAll(async () => {
    await prisma.$disconnect();
    await db.drop();
  });

  it('reads bigint columns as bigint and timestamps as UTC, like Prisma', async () => {
    await sqlOf(prisma).execute(
      `insert into gateway.transfers (id, participant_id, payer, payee, amount_minor, currency, two_phase,
         request_hash, status, created_at, updated_at)
       values ('t1', 'p', 'p', 'q', $1, 'USD', false, 'h', 'accepted', '2026-01-02 03:04:05.678', now())`,
      [9007199254740993n],
    );
    const [row] = await sqlOf(prisma).query<{ amount_minor: bigint; created_at: Date }>(
      `select amount_minor, created_at from gateway.transfers where id = 't1'`,
    );
    expect(row.amount_minor).toBe(9007199254740993n);
    expect(row.created_at.toISOString()).toBe('2026-01-02T03:04:05.678Z');
    const viaPrisma = await prisma.gatewayTransfer.findUnique({ where: { id: 't1' } });
    expect(viaPrisma?.createdAt.toISOString()).toBe(row.created_at.toISOString());
    expect(viaPrisma?.amountMinor).toBe(row.amount_minor);
  });

  it('commits a transaction that returns and rolls back one that throws', async () => {
    const sql = sqlOf(prisma);
    const count = async () =>
      (await sql.query<{ n: bigint }>(`select count(*) as n from gateway.cursors where name like 'sql-%'`))[0]
        .n;
    await sql.transaction((tx) =>
      tx.execute(`insert into gateway.cursors (name, height) values ('sql-a', 1)`),
    );
    await expect(
      sql.transaction(async (tx) => {
        await tx.execute(`insert into gateway.cursors (name, height) values ('sql-b', 1)`);
        throw new Error('changed its mind');
      }),
    ).rejects.toThrow('changed its mind');
    expect(await count()).toBe(1n);
  });

  it('refuses a client it did not make', () => {
    expect(() => sqlOf({})).toThrow(/not made by servicesClient/);
  });
});
