import { servicesClient, ServicesPrismaClient } from '@concord/db';
import { createTestDatabase } from '@concord/testing';
import type { Rate, StoredRate } from '../src/rates/rate';
import { RatesRepository } from '../src/rates/rates.repository';
import { RatesService } from '../src/rates/rates.service';
import { MemoryRatesRepository, silentLog } from './fakes';

jest.setTimeout(60_000);

const AS_OF = new Date('2026-11-27T16:00:00.000Z');
const LATER = new Date('2026-11-28T16:00:00.000Z');

function rate(quote: string, num: bigint, den: bigint, source = 'ecb', asOf = AS_OF): Rate {
  return { base: 'EUR', quote, rateNum: num, rateDen: den, source, asOf };
}

/** What a stored rate says, without the load time (which each repository sets its own way). */
const content = (r: Rate) => ({
  pair: `${r.base}/${r.quote}`,
  rate: `${r.rateNum}/${r.rateDen}`,
  source: r.source,
  asOf: r.asOf.toISOString(),
});

/**
 * The rate history in the real PostgreSQL (fx.rates): what a save keeps, which rates it leaves out as
 * unchanged, and reading the history back; and that the in-memory fake the unit tests use decides the
 * same on the same refreshes.
 */
describe('RatesRepository against PostgreSQL', () => {
  let db: { url: string; drop: () => Promise<void> };
  let prisma: ServicesPrismaClient;
  let repo: RatesRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    prisma = servicesClient(db.url, 2);
    repo = new RatesRepository(prisma);
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });

  beforeEach(async () => {
    await prisma.$executeRawUnsafe('truncate fx.rates restart identity');
  });

  it('keeps each rate exactly with its source, as-of time and the time it was loaded', async () => {
    const before = Date.now();
    // A ratio too large for a JavaScript number survives as a bigint (the columns hold 64 bits).
    const huge = rate('JPY', 9_000_000_000_000_000_001n, 1_000_000_000_000n, 'ecb');
    expect(await repo.save([rate('USD', 10_512n, 10_000n), huge])).toBe(2);
    const after = Date.now();

    const [usd] = await repo.history('EUR', 'USD');
    expect(usd).toEqual({
      base: 'EUR',
      quote: 'USD',
      rateNum: 10_512n,
      rateDen: 10_000n,
      source: 'ecb',
      asOf: AS_OF,
      loadedAt: expect.any(Date),
    });
    // loaded_at is the database's clock at the insert: on this machine, within the save call.
    expect(usd.loadedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(usd.loadedAt.getTime()).toBeLessThanOrEqual(after + 1000);
    expect((await repo.history('EUR', 'JPY'))[0]).toMatchObject({
      rateNum: 9_000_000_000_000_000_001n,
      rateDen: 1_000_000_000_000n,
    });
  });

  it('a refresh with a rate too precise for the 64-bit columns fails as malformed and stores nothing', async () => {
    // 12 345 678.000000000001 is a valid 12-decimal rate, but 12345678000000000001 exceeds 2^63 - 1.
    const provider = {
      name: 'test',
      defaultMaxAgeMs: 3600_000,
      fetch: async () => [
        rate('USD', 10_512n, 10_000n),
        rate('IDR', 12_345_678_000_000_000_001n, 10n ** 12n),
      ],
    };
    const service = new RatesService(repo, { provider, maxAgeMs: 3600_000, pivot: 'EUR', log: silentLog });
    expect(await service.refresh()).toMatchObject({
      ok: false,
      kind: 'malformed',
      error: expect.stringMatching(/EUR\/IDR .*64 bits/),
    });
    expect(await repo.latestAll()).toEqual([]);
  });

  it('stores a rate only when its value, source or as-of time differs from the latest of its pair', async () => {
    expect(await repo.save([rate('USD', 10_512n, 10_000n), rate('GBP', 8_312n, 10_000n)])).toBe(2);
    // The same refresh again: nothing new.
    expect(await repo.save([rate('USD', 10_512n, 10_000n), rate('GBP', 8_312n, 10_000n)])).toBe(0);
    // Each of the three fields on its own makes a new row; the unchanged pair stays as it was.
    expect(await repo.save([rate('USD', 10_513n, 10_000n), rate('GBP', 8_312n, 10_000n)])).toBe(1);
    expect(await repo.save([rate('USD', 10_513n, 10_000n, 'ecb-mirror')])).toBe(1);
    expect(await repo.save([rate('USD', 10_513n, 10_000n, 'ecb-mirror', LATER)])).toBe(1);
    // Back to an earlier value: the history records that it was in force again.
    expect(await repo.save([rate('USD', 10_512n, 10_000n)])).toBe(1);
    // The same pair twice in one refresh: stored once.
    expect(await repo.save([rate('CHF', 9_401n, 10_000n), rate('CHF', 9_401n, 10_000n)])).toBe(1);

    const usd = await repo.history('EUR', 'USD');
    expect(usd.map(content)).toEqual([
      { pair: 'EUR/USD', rate: '10512/10000', source: 'ecb', asOf: AS_OF.toISOString() },
      { pair: 'EUR/USD', rate: '10513/10000', source: 'ecb-mirror', asOf: LATER.toISOString() },
      { pair: 'EUR/USD', rate: '10513/10000', source: 'ecb-mirror', asOf: AS_OF.toISOString() },
      { pair: 'EUR/USD', rate: '10513/10000', source: 'ecb', asOf: AS_OF.toISOString() },
      { pair: 'EUR/USD', rate: '10512/10000', source: 'ecb', asOf: AS_OF.toISOString() },
    ]);
    // Newest first and no earlier than loaded.
    const loaded = usd.map((r) => r.loadedAt.getTime());
    expect([...loaded].sort((a, b) => b - a)).toEqual(loaded);
    expect((await repo.history('EUR', 'USD', 2)).map(content)).toEqual(usd.slice(0, 2).map(content));
    expect(await repo.history('EUR', 'GBP')).toHaveLength(1);
    expect(await repo.history('USD', 'EUR')).toEqual([]); // only the pair as stored
    const latest = (await repo.latestAll()).map(content).sort((a, b) => a.pair.localeCompare(b.pair));
    expect(latest).toEqual([
      { pair: 'EUR/CHF', rate: '9401/10000', source: 'ecb', asOf: AS_OF.toISOString() },
      { pair: 'EUR/GBP', rate: '8312/10000', source: 'ecb', asOf: AS_OF.toISOString() },
      { pair: 'EUR/USD', rate: '10512/10000', source: 'ecb', asOf: AS_OF.toISOString() },
    ]);
  });

  it('the in-memory fake stores, skips and reads back exactly what PostgreSQL does', async () => {
    const fake = new MemoryRatesRepository();
    const refreshes: Rate[][] = [
      [rate('USD', 10_512n, 10_000n), rate('GBP', 8_312n, 10_000n)],
      [rate('USD', 10_512n, 10_000n), rate('GBP', 8_312n, 10_000n)],
      [rate('USD', 10_512n, 10_000n, 'ecb', LATER), rate('GBP', 8_313n, 10_000n)],
      [rate('USD', 10_512n, 10_000n, 'other', LATER), rate('USD', 10_512n, 10_000n, 'other', LATER)],
      [rate('USD', 10_512n, 10_000n), rate('GBP', 8_312n, 10_000n), rate('GBP', 8_313n, 10_000n)],
      [],
    ];
    for (const batch of refreshes) {
      expect({ batch: batch.map(content), stored: await fake.save(batch) }).toEqual({
        batch: batch.map(content),
        stored: await repo.save(batch),
      });
    }
    for (const quote of ['USD', 'GBP']) {
      expect((await fake.history('EUR', quote)).map(content)).toEqual(
        (await repo.history('EUR', quote)).map(content),
      );
      expect((await fake.history('EUR', quote, 1)).map(content)).toEqual(
        (await repo.history('EUR', quote, 1)).map(content),
      );
    }
    const sorted = (rows: StoredRate[]) => rows.map(content).sort((a, b) => a.pair.localeCompare(b.pair));
    expect(sorted(await fake.latestAll())).toEqual(sorted(await repo.latestAll()));
  });
});
