import { Kafka, logLevel } from 'kafkajs';
import { GenesisCommand, topicName } from '@concord/contracts';
import { genesisHash } from './consortium-file';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The first record of the command log, or null when the log is empty. */
async function firstCommand(kafka: Kafka, topic: string): Promise<unknown | null> {
  const admin = kafka.admin();
  await admin.connect();
  let offsets;
  try {
    // Topics created a moment ago may not have a leader yet (the topics job has just run).
    for (let attempt = 0; ; attempt++) {
      try {
        offsets = await admin.fetchTopicOffsets(topic);
        break;
      } catch (error) {
        if (attempt >= 60) throw error;
        await sleep(500);
      }
    }
  } finally {
    await admin.disconnect();
  }
  const partition = offsets.find((o) => o.partition === 0);
  if (!partition || partition.high === partition.low) return null;
  if (partition.low !== '0')
    throw new Error(`${topic} no longer starts at offset 0: cannot check its genesis`);
  return readFirst(kafka, topic);
}

async function readFirst(kafka: Kafka, topic: string): Promise<unknown> {
  const consumer = kafka.consumer({ groupId: `concord-genesis-check-${process.pid}-${Date.now()}` });
  await consumer.connect();
  try {
    const first = new Promise<unknown>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => resolve(JSON.parse(message.value?.toString() ?? 'null')),
      });
    });
    await consumer.subscribe({ topic, fromBeginning: true });
    return await first;
  } finally {
    await consumer.disconnect();
  }
}

/**
 * Appends the genesis to an empty command log. Run again (a restarted job), it finds the same genesis at
 * offset 0 and does nothing; it refuses when the log begins with another one. Returns what it did.
 */
export async function publishGenesis(
  genesis: GenesisCommand,
  brokers: string[],
  prefix: string,
): Promise<'published' | 'already-published'> {
  const kafka = new Kafka({ clientId: 'concord-genesis', brokers, logLevel: logLevel.NOTHING });
  const topic = topicName('ledgerCommands', prefix);
  const existing = await firstCommand(kafka, topic);
  if (existing !== null) {
    const found = genesisHash(existing as GenesisCommand);
    if (found === genesisHash(genesis)) return 'already-published';
    throw new Error(`${topic} already begins with another record (hash ${found}), not this genesis`);
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ value: JSON.stringify(genesis) }] });
  } finally {
    await producer.disconnect();
  }
  return 'published';
}
