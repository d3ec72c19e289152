import { Client } from 'pg';
import { createTestDatabase } from '@concord/testing';
import { buildGenesis, DEMO_CONSORTIUM } from '../demo/consortium';
import { LocalNetwork } from './network';

describe('LocalNetwork and a chain already stored (real PostgreSQL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  const network = (signerCount: number, quorum: number) =>
    new LocalNetwork({
      databaseUrl: db.url,
      redisUrl: 'redis://127.0.0.1:6379',
      kafkaBrokers: '127.0.0.1:9092',
      topicPrefix: 'unused',
      gatewayPort: 1,
      spec: { ...DEMO_CONSORTIUM, signerCount, quorum },
      runtime: 'tsx',
      output: 'console',
    });

  beforeAll(async () => {
    db = await createTestDatabase(['s1']);
  });
  afterAll(() => db.drop());

  it('accepts any signer set before a chain exists, then only the one its genesis names', async () => {
    await expect(network(7, 5).checkStoredGenesis()).resolves.toBeUndefined();
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(
        `insert into ledger_s1.entries (height, seq, "offset", timestamp_ms, kind, payload, outcomes, postings, hash)
         values (1, 0, 0, 0, 'genesis', $1, '[]', '[]', 'x')`,
        [JSON.stringify(buildGenesis(DEMO_CONSORTIUM))],
      );
    } finally {
      await client.end();
    }
    await expect(network(4, 3).checkStoredGenesis()).resolves.toBeUndefined();
    await expect(network(7, 5).checkStoredGenesis()).rejects.toThrow(
      'the stored chain was begun with signers s1, s2, s3, s4 with quorum 3, not s1, s2, s3, s4, s5, s6, s7 with quorum 5',
    );
    await expect(network(4, 4).checkStoredGenesis()).rejects.toThrow(/npm run demo:reset/);
  });
});
