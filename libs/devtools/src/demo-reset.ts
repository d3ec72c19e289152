import { Kafka, logLevel } from 'kafkajs';
import { TOPICS, topicName } from '@concord/contracts';
import { commonSchema, loadConfig } from '@concord/config';
import { dropDatabase } from './prisma';

/**
 * `npm run demo:reset`: forgets the demo network: drops DATABASE_URL's database and deletes the topics
 * under KAFKA_TOPIC_PREFIX. The next `npm start` begins a new chain from a new genesis. Needed after an
 * upgrade that changes how blocks hash, since the old votes on the log would certify the old blocks.
 */
async function main(): Promise<void> {
  const config = loadConfig(commonSchema);
  await dropDatabase(config.DATABASE_URL);
  const kafka = new Kafka({
    clientId: 'concord-reset',
    brokers: config.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const topics = Object.keys(TOPICS)
      .map((key) => topicName(key as keyof typeof TOPICS, config.KAFKA_TOPIC_PREFIX))
      .filter((t) => existing.has(t));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    console.log(`dropped ${new URL(config.DATABASE_URL).pathname.slice(1)}; deleted ${topics.length} topics`);
  } finally {
    await admin.disconnect();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
