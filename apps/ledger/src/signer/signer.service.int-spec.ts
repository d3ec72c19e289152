import { Registry } from 'prom-client';
import { DeadLetter, deadLetterSchema, topicName } from '@concord/contracts';
import { ledgerClient, LedgerPrismaClient } from '@concord/db';
import { createKafka, createProducer, sendJson } from '@concord/kafka';
import { createLogger } from '@concord/observability';
import { signerKey } from '../../../../libs/devtools/src/demo/consortium';
import { ensureTopics } from '../../../../libs/devtools/src/infra/infra';
import {
  createTestDatabase,
  deleteTestTopics,
  eventually,
  TEST_KAFKA_BROKERS,
  uniqueName,
} from '@concord/testing';
import { BlocksRepository } from '../blocks/blocks.repository';
import { createSignerMetrics, SignerService } from './signer.service';

jest.setTimeout(60_000);

/**
 * One signer in process against the real Kafka and PostgreSQL: a message on the votes topic that is not
 * a vote goes to the dead-letter topic with the reason, and the signer keeps reading votes.
 */
describe('signer votes consumer', () => {
  const prefix = uniqueName('sv');
  const settings = { brokers: TEST_KAFKA_BROKERS, clientId: 'signer-int-spec', topicPrefix: prefix };
  let db: { url: string; drop: () => Promise<void> };
  let prisma: LedgerPrismaClient;

  beforeAll(async () => {
    await ensureTopics(TEST_KAFKA_BROKERS, prefix);
    db = await createTestDatabase(['s1']);
    prisma = ledgerClient(db.url, 's1', 2);
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
    await deleteTestTopics(prefix);
  });

  it('sends an invalid vote to the dead-letter topic with the reason, and goes on with the next', async () => {
    const kafka = createKafka(settings);
    const producer = await createProducer(kafka);
    const signer = new SignerService(
      {
        signerId: 's1',
        key: signerKey({ secret: 'signer-int-spec' }, 's1'),
        topicPrefix: prefix,
        cutIntervalMs: 50,
        stallAlarmMs: 5_000,
      },
      new BlocksRepository(prisma),
      kafka,
      producer,
      createLogger('ledger', 'silent'),
      createSignerMetrics(new Registry()),
    );
    const deadLetters: DeadLetter[] = [];
    const dlq = kafka.consumer({ groupId: `${prefix}-dlq-reader` });
    await dlq.connect();
    await dlq.subscribe({ topic: topicName('deadLetter', prefix), fromBeginning: true });
    await dlq.run({
      eachMessage: async ({ message }) => {
        deadLetters.push(deadLetterSchema.parse(JSON.parse(message.value!.toString())));
      },
    });
    await signer.start();
    try {
      const votes = topicName('ledgerVotes', prefix);
      await sendJson(producer, votes, [{ key: '1', value: { v: 1, height: 'one', signerId: 's9' } }]);
      await eventually(async () => (deadLetters.length >= 1 ? true : undefined), 20_000, 'a dead letter');
      // The consumer read on past the first: a second invalid vote, sent later, is dead-lettered too.
      await sendJson(producer, votes, [{ key: '2', value: 'not a vote' }]);
      await eventually(async () => (deadLetters.length >= 2 ? true : undefined), 20_000, 'a second one');
      expect(deadLetters.map((d) => d.value)).toEqual([
        JSON.stringify({ v: 1, height: 'one', signerId: 's9' }),
        'not a vote',
      ]);
      expect(deadLetters.map((d) => d.key)).toEqual(['1', '2']);
      expect(deadLetters[0].reason).not.toMatch(/^not JSON/);
      expect(deadLetters[0].reason.length).toBeGreaterThan(0);
      expect(deadLetters[1].reason).toMatch(/^not JSON/);
      for (const d of deadLetters) expect(d).toMatchObject({ topic: votes, service: 'ledger-s1' });
    } finally {
      await signer.stop();
      await dlq.disconnect();
      await producer.disconnect();
    }
  });
});
