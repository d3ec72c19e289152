import { Kafka } from 'kafkajs';
import { DeadLetter, deadLetterSchema, FxReply, fxReplySchema, topicName } from '@concord/contracts';
import { createKafka, createProducer, sendJson } from '@concord/kafka';
import { ensureTopics } from '../../devtools/src/infra/infra';
import { deleteTestTopics, eventually, TEST_KAFKA_BROKERS, uniqueName } from '@concord/testing';
import { FxClient } from './fx-client';

jest.setTimeout(60_000);

/** Reads the dead-letter topic of a prefix from its start, into `into`. */
async function readDeadLetters(kafka: Kafka, prefix: string, into: DeadLetter[]) {
  const consumer = kafka.consumer({ groupId: `${prefix}-dlq-reader` });
  await consumer.connect();
  await consumer.subscribe({ topic: topicName('deadLetter', prefix), fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      into.push(deadLetterSchema.parse(JSON.parse(message.value!.toString())));
    },
  });
  return consumer;
}

/**
 * The FX client against the real broker, with no FX service: the test writes the replies itself. A reply
 * that is not JSON or not a reply goes to the dead-letter topic with its reason, and the client still
 * takes the next good reply.
 */
describe('FxClient replies', () => {
  const prefix = uniqueName('fxc');
  const settings = { brokers: TEST_KAFKA_BROKERS, clientId: 'fx-client-int-spec', topicPrefix: prefix };

  beforeAll(async () => {
    await ensureTopics(TEST_KAFKA_BROKERS, prefix);
  });

  afterAll(async () => {
    await deleteTestTopics(prefix);
  });

  it('sends bad JSON and an invalid reply to the dead-letter topic with the reason, and reads on', async () => {
    const kafka = createKafka(settings);
    const producer = await createProducer(kafka);
    const client = new FxClient({ settings, timeoutMs: 20_000 });
    await client.start();
    const deadLetters: DeadLetter[] = [];
    const dlq = await readDeadLetters(kafka, prefix, deadLetters);
    try {
      const replies = topicName('fxQuoteReplies', prefix);
      const requestId = 'fxr-int-spec-1';
      const pending = client.request(
        'get-pricing',
        { sourceCurrency: 'USD', targetCurrency: 'PHP' },
        { requestId, timeoutMs: 20_000 },
      );
      const good: FxReply = fxReplySchema.parse({
        v: 1,
        requestId,
        repliedAtMs: Date.now(),
        type: 'get-pricing',
        ok: false,
        error: { code: 'INVALID_REQUEST', message: 'written by the test' },
      });
      // All three carry the request's key, so they land on one partition in this order.
      await sendJson(producer, replies, [
        { key: requestId, value: '{"v":1, not json' },
        { key: requestId, value: { v: 1, requestId, ok: 'maybe' } },
        { key: requestId, value: good },
      ]);
      // The good reply after the two bad ones still reaches the request that waits for it.
      await expect(pending).resolves.toEqual(good);
      await eventually(async () => (deadLetters.length >= 2 ? true : undefined), 20_000, 'two dead letters');
      expect(deadLetters).toHaveLength(2);
      expect(deadLetters.map((d) => d.value)).toEqual([
        '{"v":1, not json',
        JSON.stringify({ v: 1, requestId, ok: 'maybe' }),
      ]);
      expect(deadLetters[0].reason).toMatch(/^not JSON/);
      // A union of reply shapes: zod names no single field, only that no shape matched.
      expect(deadLetters[1].reason).toMatch(/^\(root\): Invalid input/);
      for (const d of deadLetters) {
        expect(d).toMatchObject({ topic: replies, key: requestId, service: 'fx-client' });
      }
    } finally {
      await dlq.disconnect();
      await client.stop();
      await producer.disconnect();
    }
  });
});
