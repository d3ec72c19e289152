import { Client } from 'pg';
import { TOPICS } from '@concord/contracts';
import { createTestDatabase, freePort, TEST_KAFKA_BROKERS, uniqueName } from '@concord/testing';
import { ensureTopics } from '../infra/infra';
import { resetDemo } from './demo-reset';

jest.setTimeout(60_000);

async function databaseExists(url: string): Promise<boolean> {
  const name = new URL(url).pathname.slice(1);
  const client = new Client({ connectionString: url.replace(/\/[^/]+$/, '/postgres') });
  await client.connect();
  try {
    const { rows } = await client.query('select 1 from pg_database where datname = $1', [name]);
    return rows.length === 1;
  } finally {
    await client.end();
  }
}

describe('demo:reset', () => {
  it('with Kafka down, refuses before deleting anything and says what to do', async () => {
    const db = await createTestDatabase();
    try {
      const closed = `127.0.0.1:${await freePort()}`;
      await expect(
        resetDemo({ DATABASE_URL: db.url, KAFKA_BROKERS: closed, KAFKA_TOPIC_PREFIX: uniqueName('r') }),
      ).rejects.toThrow(/Kafka is not reachable .*nothing was reset.*infra:up/);
      expect(await databaseExists(db.url)).toBe(true);
    } finally {
      await db.drop();
    }
  });

  it('with everything up, drops the database and deletes the topics of its prefix', async () => {
    const db = await createTestDatabase();
    const prefix = uniqueName('r');
    await ensureTopics(TEST_KAFKA_BROKERS, prefix);
    const message = await resetDemo({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: TEST_KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: prefix,
    });
    expect(message).toMatch(
      new RegExp(`^dropped concord_test_\\w+; deleted ${Object.keys(TOPICS).length} topics$`),
    );
    expect(await databaseExists(db.url)).toBe(false);
  });
});
