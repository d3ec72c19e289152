import { Kafka, logLevel } from 'kafkajs';
import { TOPICS, topicName } from '@concord/contracts';
import { CommonConfig, commonSchema, loadConfig } from '@concord/config';
import { dropDatabase } from '../database/prisma';

/**
 * `npm run demo:reset`: forgets the demo network: drops DATABASE_URL's database and deletes the topics
 * under KAFKA_TOPIC_PREFIX. The next `npm start` begins a new chain from a new genesis. Needed after an
 * upgrade that changes how blocks hash, since the old votes on the log would certify the old blocks.
 */
export async function resetDemo(
  config: Pick<CommonConfig, 'DATABASE_URL' | 'KAFKA_BROKERS' | 'KAFKA_TOPIC_PREFIX'>,
): Promise<string> {
  const kafka = new Kafka({
    clientId: 'concord-reset',
    brokers: config.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
    // A broker that is down is said at once, not after a minute of retries.
    retry: { retries: 1 },
    connectionTimeout: 3_000,
  });
  const admin = kafka.admin();
  // Everything the reset needs is reached before anything is deleted: with the broker down, the database
  // is kept and nothing is half reset.
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `Kafka is not reachable at ${config.KAFKA_BROKERS} (${(error as Error).message}); nothing was reset. ` +
        'Start it with `npm run infra:up` and run the reset again.',
    );
  }
  try {
    const existing = new Set(await admin.listTopics());
    const topics = Object.keys(TOPICS)
      .map((key) => topicName(key as keyof typeof TOPICS, config.KAFKA_TOPIC_PREFIX))
      .filter((t) => existing.has(t));
    await dropDatabase(config.DATABASE_URL);
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    return `dropped ${new URL(config.DATABASE_URL).pathname.slice(1)}; deleted ${topics.length} topics`;
  } finally {
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  console.log(await resetDemo(loadConfig(commonSchema)));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
