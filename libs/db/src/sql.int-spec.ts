import { createTestDatabase } from '@concord/testing';
import {
  RawSql,
  rawSqlOf,
  servicesClient,
  ServicesPrismaClient,
  sqlOf,
  timestampText,
  valuesList,
} from './index';

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
    const viaPrisma = await prisma.gatewayTransfer.findUnique({
      where: { id_payer: { id: 't1', payer: 'p' } },
    });
    expect(viaPrisma?.createdAt.toISOString()).toBe(row.created_at.toISOString());
    expect(viaPrisma?.amountMinor).toBe(row.amount_minor);
    // timestampText writes what the parser reads: the same moment finds the row Prisma stored.
    const [found] = await sqlOf(prisma).query<{ id: string }>(
      `select id from gateway.transfers where created_at = $1::timestamp`,
      [timestampText(viaPrisma!.createdAt)],
    );
    expect(found?.id).toBe('t1');
    expect(timestampText(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02 03:04:05.678');
  });

  it("inserts rows as a VALUES list of parameters numbered after the statement's own, texts as they are", async () => {
    const texts = [
      '{"a":"quote \\" and backslash \\\\"}',
      "it's",
      '',
      'émoji 💸 \n tab\t',
      '\\x00 not a NUL',
    ];
    const rows = texts.map((text, i) => [`v-${i}`, i + 1, text]);
    const list = valuesList(rows, 2);
    expect(list.text).toBe(rows.map((_, i) => `($${2 + 3 * i}, $${3 + 3 * i}, $${4 + 3 * i})`).join(', '));
    await sqlOf(prisma).execute(
      `with c as (insert into gateway.cursors (name, height) values ($1, 0))
       insert into gateway.blocks (header_hash, height, body) values ${list.text}`,
      ['values-list', ...list.values],
    );
    const stored = await sqlOf(prisma).query<{ header_hash: string; height: number; body: string }>(
      `select header_hash, height, body from gateway.blocks where header_hash like 'v-%' order by height`,
    );
    expect(stored).toEqual(rows.map(([hash, height, body]) => ({ header_hash: hash, height, body })));
    expect(valuesList([], 1)).toEqual({ text: '', values: [] });
    // A Buffer goes in binary format: for a text column, the UTF-8 bytes of the text, stored as that text.
    const bytes = valuesList([['v-bytes', 99, Buffer.from('{"name":"Zoë 💸 \\" \'"}', 'utf8')]], 1);
    await sqlOf(prisma).execute(
      `insert into gateway.blocks (header_hash, height, body) values ${bytes.text}`,
      bytes.values,
    );
    const [fromBytes] = await sqlOf(prisma).query<{ body: string }>(
      `select body from gateway.blocks where height = 99`,
    );
    expect(fromBytes.body).toBe('{"name":"Zoë 💸 \\" \'"}');
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

  it('answers RawSql calls inside a transaction as a Prisma transaction does', async () => {
    // The same helper, run once on each kind of transaction.
    const upsert = async (tx: RawSql, name: string) => {
      const inserted = await tx.$executeRawUnsafe(
        `insert into gateway.cursors (name, height) values ($1, $2) on conflict do nothing`,
        name,
        7,
      );
      const rows = await tx.$queryRawUnsafe<{ name: string; height: number; n: bigint }[]>(
        `select name, height, count(*) over () as n from gateway.cursors where name = $1`,
        name,
      );
      return { inserted, rows };
    };
    const viaPg = await sqlOf(prisma).transaction((sql) => upsert(rawSqlOf(sql), 'raw-x'));
    const viaPrisma = await prisma.$transaction((tx) => upsert(tx, 'raw-y'));
    expect(viaPg).toEqual({ inserted: 1, rows: [{ name: 'raw-x', height: 7, n: 1n }] });
    expect(viaPrisma).toEqual({ inserted: 1, rows: [{ name: 'raw-y', height: 7, n: 1n }] });
    // A conflict inserts nothing, and says so in the count.
    expect(await sqlOf(prisma).transaction((sql) => upsert(rawSqlOf(sql), 'raw-x'))).toMatchObject({
      inserted: 0,
    });
  });

  it('refuses a client it did not make', () => {
    expect(() => sqlOf({})).toThrow(/not made by servicesClient/);
  });
});
