import { z } from 'zod';
import { deadLetterSchema, topicName } from '@concord/contracts';
import { ensureTopics } from '../../devtools/src/infra/infra';
import { deleteTestTopics, eventually, uniqueName, TEST_KAFKA_BROKERS } from '@concord/testing';
import { consumeValidated, createKafka, createProducer, sendJson } from './kafka';
import { SupervisedConsumer } from './supervised-consumer';

jest.setTimeout(60_000);

/** Against the real broker: valid messages reach the handler, invalid ones the dead-letter topic. */
describe('consumeValidated', () => {
  const prefix = uniqueName('k');
  const settings = { brokers: TEST_KAFKA_BROKERS, clientId: 'kafka-int-spec', topicPrefix: prefix };
  const schema = z.object({ n: z.number().int() }).strict();

  beforeAll(async () => {
    await ensureTopics(TEST_KAFKA_BROKERS, prefix);
  });

  afterAll(async () => {
    await deleteTestTopics(prefix);
  });

  it('hands valid messages over in order, sends invalid ones to the dead-letter topic with the reason, commits after', async () => {
    const kafka = createKafka(settings);
    const producer = await createProducer(kafka);
    const topic = topicName('fxEvents', prefix);
    await sendJson(producer, topic, [
      { key: 'a', value: { n: 1 } },
      { key: 'a', value: 'not json at all' },
      { key: 'a', value: { n: 'two' } },
      { key: 'a', value: { n: 3 } },
    ]);
    const seen: number[] = [];
    const consumer = await consumeValidated({
      topic,
      groupId: `${prefix}-group`,
      schema,
      service: 'test',
      settings,
      kafka,
      producer,
      handle: async (messages) => {
        for (const m of messages) seen.push(m.value.n);
      },
    });
    const deadLetters: z.infer<typeof deadLetterSchema>[] = [];
    const dlqConsumer = kafka.consumer({ groupId: `${prefix}-dlq` });
    await dlqConsumer.connect();
    await dlqConsumer.subscribe({ topic: topicName('deadLetter', prefix), fromBeginning: true });
    await dlqConsumer.run({
      eachMessage: async ({ message }) => {
        deadLetters.push(deadLetterSchema.parse(JSON.parse(message.value!.toString())));
      },
    });
    const deadline = Date.now() + 30_000;
    while ((seen.length < 2 || deadLetters.length < 2) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual([1, 3]);
    expect(deadLetters.map((d) => d.value)).toEqual(['not json at all', '{"n":"two"}']);
    expect(deadLetters[0].reason).toMatch(/not JSON/);
    expect(deadLetters[1].reason).toMatch(/^n: /);
    expect(deadLetters.every((d) => d.service === 'test' && d.topic === topic)).toBe(true);
    // Offsets are committed once a batch is processed: the group's committed offset ends past the last
    // message, dead letters included.
    const admin = kafka.admin();
    await admin.connect();
    let committed = 0;
    while (committed < 4 && Date.now() < deadline) {
      const offsets = await admin.fetchOffsets({ groupId: `${prefix}-group`, topics: [topic] });
      committed = offsets[0].partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
      if (committed < 4) await new Promise((r) => setTimeout(r, 100));
    }
    await admin.disconnect();
    expect(committed).toBe(4);
    await consumer.disconnect();
    await dlqConsumer.disconnect();
    await producer.disconnect();
  });

  it('commits no offset for a message whose handler failed, and delivers it again', async () => {
    const kafka = createKafka(settings);
    const producer = await createProducer(kafka);
    const admin = kafka.admin();
    await admin.connect();
    const topic = topicName('clearingCommands', prefix);
    const groupId = `${prefix}-failing`;
    const committed = async () => {
      const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
      return Number(offsets[0].partitions[0].offset);
    };
    const deliveries: number[] = [];
    const committedAtRedelivery: number[] = [];
    let failures = 0;
    const consumer = await consumeValidated({
      topic,
      groupId,
      schema,
      service: 'test',
      settings,
      kafka,
      producer,
      handle: async (messages) => {
        for (const m of messages) {
          deliveries.push(m.value.n);
          if (m.value.n !== 2) continue;
          if (failures === 0) {
            failures++;
            throw new Error('the handler failed on n = 2');
          }
          // Delivered again after the failure: the group's offset must still be where message 1 left it.
          committedAtRedelivery.push(await committed());
        }
      },
    });
    try {
      await sendJson(producer, topic, [{ value: { n: 1 } }]);
      await eventually(async () => ((await committed()) === 1 ? true : undefined), 20_000, 'offset 1');
      await sendJson(producer, topic, [{ value: { n: 2 } }]);
      await eventually(async () => ((await committed()) === 2 ? true : undefined), 30_000, 'offset 2');
      expect(failures).toBe(1);
      expect(deliveries).toEqual([1, 2, 2]);
      expect(committedAtRedelivery).toEqual([1]);
    } finally {
      await consumer.disconnect();
      await admin.disconnect();
      await producer.disconnect();
    }
  });

  it('carries a message over the broker default of 1 MB on the topics it created, and reads it back', async () => {
    const kafka = createKafka(settings);
    const producer = await createProducer(kafka);
    const topic = topicName('ledgerFinalized', prefix);
    const big = 'b'.repeat(3 * 1024 * 1024);
    await sendJson(producer, topic, [{ key: '1', value: { big } }]);
    const consumer = kafka.consumer({ groupId: `${prefix}-big` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let received = 0;
    await consumer.run({
      eachMessage: async ({ message }) => {
        received = (JSON.parse(message.value!.toString()) as { big: string }).big.length;
      },
    });
    const deadline = Date.now() + 30_000;
    while (received === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(received).toBe(big.length);
    await consumer.disconnect();
    await producer.disconnect();
  });
  it('leaves nothing running when stopped while it is still connecting', async () => {
    const kafka = createKafka(settings);
    const producer = await createProducer(kafka);
    const topic = topicName('clearingEvents', prefix);
    const groupId = `${prefix}-stopped-early`;
    const seen: string[] = [];
    const consumer = new SupervisedConsumer({
      kafka,
      topic,
      groupId,
      fromBeginning: true,
      run: { eachMessage: async ({ message }) => void seen.push(message.value!.toString()) },
    });
    const starting = consumer.start();
    await consumer.disconnect();
    await starting;
    await sendJson(producer, topic, [{ value: { n: 1 } }]);
    // Long enough for a consumer left behind to join (sessions of 10 s, a join in about 3 s) and fetch.
    await new Promise((r) => setTimeout(r, 6_000));
    const admin = kafka.admin();
    await admin.connect();
    const { groups } = await admin.describeGroups([groupId]);
    await admin.disconnect();
    await producer.disconnect();
    expect(seen).toEqual([]);
    expect(groups[0].members).toEqual([]);
  });
});
