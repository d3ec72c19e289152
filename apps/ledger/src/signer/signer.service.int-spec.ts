import { Registry } from 'prom-client';
import { alarmSchema, deadLetterSchema, topicName, Vote } from '@concord/contracts';
import { ledgerClient, LedgerPrismaClient } from '@concord/db';
import { createKafka, createProducer, sendJson } from '@concord/kafka';
import { ConfigResourceTypes, type Kafka } from 'kafkajs';
import { createLogger } from '@concord/observability';
import { buildGenesis, signerKey } from '../../../../libs/devtools/src/demo/consortium';
import { ensureTopics } from '../../../../libs/devtools/src/infra/infra';
import {
  createTestDatabase,
  deleteTestTopics,
  eventually,
  TEST_KAFKA_BROKERS,
  uniqueName,
} from '@concord/testing';
import { BlocksRepository } from '../blocks/blocks.repository';
import { makeSpec } from '../engine/engine.fixtures';
import { checkEquivocation } from '../votes/equivocation';
import { forkHeader, signedHeader } from '../votes/equivocation.fixtures';
import { createSignerMetrics, SignerService } from './signer.service';

jest.setTimeout(60_000);

/** Reads every message of `topic` from the start into the returned list, parsed by `parse`. */
async function collect<T>(kafka: Kafka, groupId: string, topic: string, parse: (value: unknown) => T) {
  const items: T[] = [];
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      items.push(parse(JSON.parse(message.value!.toString())));
    },
  });
  return { items, consumer };
}

/**
 * One signer in process against the real Kafka and PostgreSQL: a message on the votes topic that is not
 * a vote goes to the dead-letter topic with the reason, and the signer keeps reading votes; another
 * signer's two votes for different headers at one height are stored as evidence and raised as an alarm.
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
    const { items: deadLetters, consumer: dlq } = await collect(
      kafka,
      `${prefix}-dlq-reader`,
      topicName('deadLetter', prefix),
      (value) => deadLetterSchema.parse(value),
    );
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

  it('stores, raises and counts an equivocation: two signed headers of one signer at one height', async () => {
    const spec = makeSpec({
      chainId: 'equivocation-int',
      secret: 'signer-int-spec',
      signerCount: 4,
      quorum: 3,
    });
    const kafka = createKafka(settings);
    const producer = await createProducer(kafka);
    const registry = new Registry();
    const repository = new BlocksRepository(prisma);
    const signer = new SignerService(
      {
        signerId: 's1',
        key: signerKey(spec, 's1'),
        topicPrefix: prefix,
        cutIntervalMs: 50,
        stallAlarmMs: 60_000,
      },
      repository,
      kafka,
      producer,
      createLogger('ledger', 'silent'),
      createSignerMetrics(registry),
    );
    const { items: alarms, consumer: reader } = await collect(
      kafka,
      `${prefix}-alarms-reader`,
      topicName('ledgerAlarms', prefix),
      (value) => alarmSchema.parse(value),
    );
    await signer.start();
    try {
      await sendJson(producer, topicName('ledgerCommands', prefix), [
        { key: 'genesis', value: buildGenesis(spec) },
      ]);
      // s2 signs two different headers for the genesis height: votes the signer counts once it has sealed it.
      const s2 = signerKey(spec, 's2');
      const votes: Vote[] = ['a', 'b'].map((variant) => ({
        v: 1,
        signerId: 's2',
        ...signedHeader(s2, forkHeader(1, variant, spec.chainId)),
        changedAccounts: [],
      }));
      await sendJson(
        producer,
        topicName('ledgerVotes', prefix),
        votes.map((value) => ({ key: '1', value })),
      );
      const alarm = await eventually(
        async () => alarms.find((a) => a.kind === 'equivocation'),
        30_000,
        'an equivocation alarm',
      );
      expect(alarm).toMatchObject({ height: 1, signerId: 's2' });
      const [first, second] = votes;
      expect(alarm.evidence).toEqual({
        signerId: 's2',
        height: 1,
        first: { header: first.header, headerHash: first.headerHash, signature: first.signature },
        second: { header: second.header, headerHash: second.headerHash, signature: second.signature },
      });
      expect(checkEquivocation(alarm.evidence!, s2.publicKeyHex)).toEqual({ ok: true });
      expect(await repository.loadEquivocations()).toEqual([alarm.evidence]);
      const counted = await registry.getSingleMetric('ledger_reconciliation_alarms_total')!.get();
      expect(counted.values.find((v) => v.labels.kind === 'equivocation')?.value).toBe(1);
    } finally {
      await signer.stop();
      await reader.disconnect();
      await producer.disconnect();
    }
  });
});

/**
 * A broker whose clock runs ahead: the commands topic is switched to producer time (CreateTime) so that
 * the test can stamp a record 4 s ahead, as a broker with a clock 4 s fast would; the bound is 1 s.
 */
describe('signer facing a log clock that jumped forward', () => {
  const prefix = uniqueName('sc');
  const settings = { brokers: TEST_KAFKA_BROKERS, clientId: 'signer-clock-int-spec', topicPrefix: prefix };
  let db: { url: string; drop: () => Promise<void> };
  let prisma: LedgerPrismaClient;

  beforeAll(async () => {
    await ensureTopics(TEST_KAFKA_BROKERS, prefix);
    const admin = createKafka(settings).admin();
    await admin.connect();
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topicName('ledgerCommands', prefix),
          configEntries: [{ name: 'message.timestamp.type', value: 'CreateTime' }],
        },
      ],
    });
    await admin.disconnect();
    db = await createTestDatabase(['s1']);
    prisma = ledgerClient(db.url, 's1', 2);
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
    await deleteTestTopics(prefix);
  });

  it('waits with an alarm instead of following it, then applies the record once its clock is near', async () => {
    const spec = makeSpec({ chainId: 'clock-int', secret: 'signer-clock-int', signerCount: 1, quorum: 1 });
    const kafka = createKafka(settings);
    const producer = await createProducer(kafka);
    const repository = new BlocksRepository(prisma);
    const signer = new SignerService(
      {
        signerId: 's1',
        key: signerKey(spec, 's1'),
        topicPrefix: prefix,
        cutIntervalMs: 50,
        stallAlarmMs: 60_000,
        clockJumpMaxMs: 1_000,
      },
      repository,
      kafka,
      producer,
      createLogger('ledger', 'silent'),
      createSignerMetrics(new Registry()),
    );
    const { items: alarms, consumer: reader } = await collect(
      kafka,
      `${prefix}-alarms-reader`,
      topicName('ledgerAlarms', prefix),
      (value) => alarmSchema.parse(value),
    );
    await signer.start();
    try {
      const sentAt = Date.now();
      await producer.send({
        topic: topicName('ledgerCommands', prefix),
        messages: [
          { key: 'genesis', value: JSON.stringify(buildGenesis(spec)), timestamp: String(sentAt + 4_000) },
        ],
      });
      const alarm = await eventually(
        async () => alarms.find((a) => a.kind === 'clock-jump'),
        20_000,
        'a clock-jump alarm',
      );
      expect(alarm.detail).toMatch(
        /^the log time of offset 0 is \d+ ms ahead of this signer's clock: waiting/,
      );
      // Held while the record is more than the bound ahead: nothing sealed yet.
      expect(await prisma.block.count()).toBe(0);
      await eventually(
        async () => ((await prisma.block.count()) > 0 ? true : undefined),
        20_000,
        'genesis sealed',
      );
      // Applied no earlier than 3 s after it was sent: 4 s ahead, less the 1 s bound.
      expect(Date.now() - sentAt).toBeGreaterThanOrEqual(2_900);
      expect(alarms.filter((a) => a.kind === 'clock-jump')).toHaveLength(1);
    } finally {
      await signer.stop();
      await reader.disconnect();
      await producer.disconnect();
    }
  });
});

describe('signer stall alarm on an idle chain', () => {
  const prefix = uniqueName('si');
  const settings = { brokers: TEST_KAFKA_BROKERS, clientId: 'signer-idle-int-spec', topicPrefix: prefix };
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

  it('raises nothing when a record comes after a quiet spell longer than the stall time', async () => {
    const spec = makeSpec({ chainId: 'idle-int', secret: 'signer-idle-int', signerCount: 1, quorum: 1 });
    const kafka = createKafka(settings);
    const producer = await createProducer(kafka);
    const signer = new SignerService(
      {
        signerId: 's1',
        key: signerKey(spec, 's1'),
        topicPrefix: prefix,
        cutIntervalMs: 50,
        stallAlarmMs: 1_000,
      },
      new BlocksRepository(prisma),
      kafka,
      producer,
      createLogger('ledger', 'silent'),
      createSignerMetrics(new Registry()),
    );
    const { items: alarms, consumer: reader } = await collect(
      kafka,
      `${prefix}-alarms-reader`,
      topicName('ledgerAlarms', prefix),
      (value) => alarmSchema.parse(value),
    );
    await signer.start();
    try {
      const commands = topicName('ledgerCommands', prefix);
      await sendJson(producer, commands, [{ key: 'genesis', value: buildGenesis(spec) }]);
      await eventually(
        async () => ((await prisma.certificate.count()) > 0 ? true : undefined),
        20_000,
        'genesis',
      );
      // Idle for twice the stall time, then one record (refused as malformed, but a record to seal).
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await sendJson(producer, commands, [{ key: 'x', value: { not: 'a command' } }]);
      await eventually(
        async () => ((await prisma.certificate.count()) > 1 ? true : undefined),
        20_000,
        'block 2',
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(alarms.filter((a) => a.kind === 'no-quorum' || a.kind === 'finality-resumed')).toEqual([]);
    } finally {
      await signer.stop();
      await reader.disconnect();
      await producer.disconnect();
    }
  });
});
