import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { topicName } from '@concord/contracts';
import { ensureTopics } from './topics';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

/** The topic configs that Concord sets, as the broker reports them. */
async function configsOf(admin: ReturnType<Kafka['admin']>, topic: string): Promise<Map<string, string>> {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
  });
  return new Map(described.resources[0].configEntries.map((e) => [e.configName, e.configValue]));
}

describe('ensureTopics (real Kafka)', () => {
  const prefix = `topics${Date.now()}`;
  const admin = new Kafka({ brokers: BROKERS, logLevel: logLevel.NOTHING }).admin();
  const commands = topicName('ledgerCommands', prefix);
  const votes = topicName('ledgerVotes', prefix);

  beforeAll(() => admin.connect());
  afterAll(async () => {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    await admin.disconnect();
  });

  it("stamps the command log with the broker's append time, and only the command log", async () => {
    const first = await ensureTopics(BROKERS, prefix);
    expect(first.created).toContain(commands);
    expect((await configsOf(admin, commands)).get('message.timestamp.type')).toBe('LogAppendTime');
    expect((await configsOf(admin, votes)).get('message.timestamp.type')).toBe('CreateTime');

    // A record sent with a producer's timestamp far in the past is read back with the append time.
    const producer = new Kafka({ brokers: BROKERS, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    const before = Date.now();
    await producer.send({ topic: commands, messages: [{ value: 'x', timestamp: '1000' }] });
    await producer.disconnect();
    const [high] = (await admin.fetchTopicOffsets(commands)).map((p) => p.high);
    expect(high).toBe('1');
    const consumer = new Kafka({ brokers: BROKERS, logLevel: logLevel.NOTHING }).consumer({
      groupId: `${prefix}-reader`,
    });
    await consumer.connect();
    await consumer.subscribe({ topic: commands, fromBeginning: true });
    const stamped = await new Promise<number>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(Number(message.timestamp)) });
    });
    await consumer.disconnect();
    expect(stamped).toBeGreaterThanOrEqual(before - 1000);
  });

  it('brings an existing topic without the append-time stamp up to date, and is idempotent', async () => {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: commands,
          configEntries: [{ name: 'message.timestamp.type', value: 'CreateTime' }],
        },
      ],
    });
    expect((await configsOf(admin, commands)).get('message.timestamp.type')).toBe('CreateTime');
    const again = await ensureTopics(BROKERS, prefix);
    expect(again.created).toEqual([]);
    expect(again.existing).toContain(commands);
    const configs = await configsOf(admin, commands);
    expect(configs.get('message.timestamp.type')).toBe('LogAppendTime');
    expect(configs.get('retention.ms')).toBe('-1');
    expect(configs.get('max.message.bytes')).toBe(String(8 * 1024 * 1024));
  });
});
