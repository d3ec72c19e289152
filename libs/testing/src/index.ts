import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Pool } from 'pg';
import { Kafka, logLevel } from 'kafkajs';
import { ConsortiumSpec, participantKey } from '../../devtools/src/demo/consortium';
import { LocalNetwork, NetworkOptions } from '../../devtools/src/network/network';
import { dropDatabase, migrate, REPO_ROOT } from '../../devtools/src/database/prisma';
import { ConcordClient } from '@concord/sdk';

export { LocalNetwork };

const BASE_DATABASE_URL = process.env.TEST_DATABASE_URL_BASE ?? 'postgresql://postgres@127.0.0.1:5432';
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

/** A short random name: test databases and topic prefixes never collide with the demo or each other. */
export function uniqueName(prefix: string): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

/** A database of the test's own (never the demo database), migrated; `drop()` removes it. */
export async function createTestDatabase(
  signers: string[] = [],
): Promise<{ url: string; drop: () => Promise<void> }> {
  const url = `${BASE_DATABASE_URL}/${uniqueName('concord_test_')}`;
  await migrate(url, signers);
  return { url, drop: () => dropDatabase(url) };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface TestNetwork {
  network: LocalNetwork;
  databaseUrl: string;
  client: (participantId: string) => ConcordClient;
  query: <T extends Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>;
  stop: () => Promise<void>;
}

/**
 * A whole network for one test file: its own database, topic prefix and gateway port; every service is a
 * real process (TypeScript through tsx), logs under .data/test-logs/<prefix>/.
 */
export async function startTestNetwork(
  spec: ConsortiumSpec,
  options: Partial<
    Pick<
      NetworkOptions,
      | 'extraEnv'
      | 'cutIntervalMs'
      | 'kafkaBrokers'
      | 'clearingPort'
      | 'fxPort'
      | 'consolePort'
      | 'compliancePort'
    >
  > & {
    only?: string[];
  } = {},
): Promise<TestNetwork> {
  const prefix = uniqueName('t');
  const databaseUrl = `${BASE_DATABASE_URL}/concord_test_${prefix}`;
  const network = new LocalNetwork({
    databaseUrl,
    redisUrl: TEST_REDIS_URL,
    kafkaBrokers: options.kafkaBrokers ?? TEST_KAFKA_BROKERS,
    topicPrefix: prefix,
    gatewayPort: await freePort(),
    spec,
    runtime: 'tsx',
    output: { logDir: join(REPO_ROOT, '.data/test-logs', prefix) },
    logLevel: 'info',
    extraEnv: options.extraEnv,
    // The optional HTTP APIs (the clearing and FX operator APIs, the console) run when a test asks for them.
    clearingPort: options.clearingPort,
    fxPort: options.fxPort,
    consolePort: options.consolePort,
    compliancePort: options.compliancePort,
    // Tests cut blocks every 50 ms (the service default is 150) so that each waits less for finality.
    cutIntervalMs: options.cutIntervalMs ?? 50,
  });
  await network.prepare();
  for (const name of options.only ?? network.processNames()) network.start(name);
  const pg = testPool(databaseUrl, 4);
  try {
    await network.waitUntilReady(90_000);
  } catch (e) {
    await network.stopAll();
    await pg.end();
    throw e;
  }
  return {
    network,
    databaseUrl,
    client: (participantId) => {
      const { keyId, key } = participantKey(spec, participantId);
      return new ConcordClient({ baseUrl: network.gatewayUrl, keyId, seedHex: key.seedHex });
    },
    query: async (sql, params) => (await pg.query(sql, params)).rows,
    stop: async () => {
      await network.stopAll();
      await pg.end();
      await dropDatabase(databaseUrl).catch(() => undefined);
      // Every run has its own prefix, so its topics would otherwise pile up on the shared broker.
      await deleteTestTopics(prefix, options.kafkaBrokers);
    },
  };
}

/**
 * A pool on a test database. `end()` resolves once its clients are told to close, not once they have:
 * the forced drop of the database that follows can still terminate one of them, and a pool without an
 * error listener turns that into an unhandled error that fails the whole suite (seen once in 80 suites).
 * A client that breaks is dropped by the pool either way, and a test's next query gets a new one.
 */
export function testPool(databaseUrl: string, max: number): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max });
  pool.on('error', () => undefined);
  return pool;
}

/** Polls `probe` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Deletes every topic of a test's own prefix (`<prefix>.*`), so that runs leave no topics behind. */
export async function deleteTestTopics(prefix: string, brokers = TEST_KAFKA_BROKERS): Promise<void> {
  const admin = new Kafka({
    clientId: 'cleanup',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
export { PrivateBroker } from './private-broker';
