import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { ClearingCommand, ClearingEvent, clearingEventSchema, topicName } from '@concord/contracts';
import { servicesClient } from '@concord/db';
import { createKafka, createProducer, KafkaSettings, sendJson } from '@concord/kafka';
import { createLogger } from '@concord/observability';
import { ensureTopics } from '../../../libs/devtools/src/infra';
import { createTestDatabase, eventually, TEST_KAFKA_BROKERS, uniqueName } from '../../../libs/testing/src';
import { ClearingError } from '../src/errors';
import { ClearingController } from '../src/http/clearing.controller';
import { ClearingProblemFilter } from '../src/http/problems';
import { ClearingMetrics } from '../src/metrics';
import { ClearingFinalizedConsumer } from '../src/positions/finalized.consumer';
import { ClearingRepository } from '../src/windows/clearing.repository';
import { ClearingService } from '../src/windows/clearing.service';
import { ClearingCommandsConsumer } from '../src/windows/commands.consumer';
import { OutboxPublisher } from '../src/windows/outbox.publisher';
import { finalizedBlock } from './fixtures';

jest.setTimeout(120_000);

/**
 * The clearing service against real PostgreSQL and Kafka: blocks in from ledger.finalized, a window close
 * that crashes half-way and is finished by the restarted service (each instruction and event once),
 * operators' commands (deduplicated), limit alarms once per crossing, confirmations and the HTTP API.
 */
describe('clearing service (PostgreSQL + Kafka)', () => {
  const prefix = uniqueName('c');
  const settings: KafkaSettings = {
    brokers: TEST_KAFKA_BROKERS,
    clientId: 'clearing-int',
    topicPrefix: prefix,
  };
  let db: { url: string; drop: () => Promise<void> };
  const events: ClearingEvent[] = [];
  let eventsConsumer: ReturnType<Kafka['consumer']>;
  let testProducer: Awaited<ReturnType<typeof createProducer>>;

  type Instance = Awaited<ReturnType<typeof startInstance>>;
  let b: Instance;

  async function startInstance(afterInstructions?: number) {
    const prisma = servicesClient(db.url, 4);
    const repo = new ClearingRepository(prisma);
    const metrics = new ClearingMetrics(new Registry());
    const log = createLogger('clearing-int', 'silent');
    const producer = await createProducer(createKafka(settings));
    const publisher = new OutboxPublisher(repo, producer, topicName('clearingEvents', prefix), log, metrics);
    const service = new ClearingService(repo, log, metrics, {
      alarmShareBps: 8000,
      valueDateDays: 1,
      onEvents: () => publisher.kick(),
      closeFault: afterInstructions === undefined ? undefined : { afterInstructions },
    });
    await service.recover();
    const blocks = new ClearingFinalizedConsumer(settings, createKafka(settings), producer, service);
    const commands = new ClearingCommandsConsumer(settings, createKafka(settings), producer, service);
    await blocks.start();
    await commands.start();
    return {
      prisma,
      repo,
      metrics,
      service,
      stop: async () => {
        await commands.stop();
        await blocks.stop();
        await publisher.stop();
        await producer.disconnect();
        await prisma.$disconnect();
      },
    };
  }

  const count = (type: ClearingEvent['type']) => events.filter((e) => e.type === type).length;

  beforeAll(async () => {
    db = await createTestDatabase();
    await ensureTopics(TEST_KAFKA_BROKERS, prefix);
    const kafka = createKafka(settings);
    testProducer = await createProducer(kafka);
    eventsConsumer = kafka.consumer({ groupId: `${prefix}-events` });
    await eventsConsumer.connect();
    await eventsConsumer.subscribe({ topic: topicName('clearingEvents', prefix), fromBeginning: true });
    await eventsConsumer.run({
      eachMessage: async ({ message }) => {
        events.push(clearingEventSchema.parse(JSON.parse(message.value!.toString())));
      },
    });
  });

  afterAll(async () => {
    await b?.stop();
    await eventsConsumer?.disconnect();
    await testProducer?.disconnect();
    const admin = new Kafka({
      clientId: 'cleanup',
      brokers: [TEST_KAFKA_BROKERS],
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    await admin.deleteTopics({
      topics: (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`)),
    });
    await admin.disconnect();
    await db?.drop();
  });

  const sendBlocks = (blocks: ReturnType<typeof finalizedBlock>[]) =>
    sendJson(
      testProducer,
      topicName('ledgerFinalized', prefix),
      blocks.map((value) => ({ key: String(value.header.height), value })),
    );
  const sendCommands = (commands: ClearingCommand[]) =>
    sendJson(
      testProducer,
      topicName('clearingCommands', prefix),
      commands.map((value) => ({ key: value.currency, value })),
    );
  const appliedHeight = async (inst: Instance, height: number) =>
    eventually(
      async () => ((await inst.prisma.clearingBlock.findUnique({ where: { height } })) ? true : undefined),
      20_000,
      `block ${height}`,
    );

  it('finishes a close that crashed after half of the instructions: each instruction and event once', async () => {
    const a = await startInstance(2);
    await sendBlocks([
      finalizedBlock(1, [
        { payer: 'a', payee: 'b', amountMinor: '1000' },
        { payer: 'b', payee: 'c', amountMinor: '300' },
        { payer: 'c', payee: 'd', amountMinor: '200' },
        { payer: 'd', payee: 'a', amountMinor: '50' },
        { payer: 'a', payee: 'b', amountMinor: '500', currency: 'PHP' },
        { payer: 'a', payee: 'b', amountMinor: '7', status: 'rejected' },
      ]),
      finalizedBlock(2, [
        { payer: 'a', payee: 'c', amountMinor: '400' },
        { payer: 'hub', payee: 'a', amountMinor: '1000000' },
      ]),
      finalizedBlock(3, [{ payer: 'a', payee: 'b', amountMinor: '999', status: 'committed', refusal: true }]),
    ]);
    // The same block again (a redelivery) is counted once.
    await sendBlocks([finalizedBlock(2, [{ payer: 'a', payee: 'c', amountMinor: '400' }])]);
    await appliedHeight(a, 3);
    await new Promise((r) => setTimeout(r, 500));

    await expect(a.service.close('USD', 'operator')).rejects.toThrow(/injected fault/);
    const usd = (await a.prisma.clearingWindow.findFirst({ where: { currency: 'USD', status: 'closed' } }))!;
    expect(usd).toMatchObject({ fromHeight: 0, toHeight: 3 });
    expect(await a.prisma.clearingInstruction.count({ where: { windowId: usd.id } })).toBe(2);
    await a.stop();

    b = await startInstance();
    const instructions = await b.repo.instructions(usd.id);
    expect(instructions.map((i) => [i.participantId, i.direction, i.amountMinor])).toEqual([
      ['a', 'pay-in', 1350n],
      ['b', 'pay-out', 700n],
      ['c', 'pay-out', 500n],
      ['d', 'pay-out', 150n],
    ]);
    expect(new Set(instructions.map((i) => i.id)).size).toBe(4);
    expect((await b.repo.window(usd.id))!.status).toBe('settling');
    const detail = (await b.repo.windowDetail(usd.id))!;
    expect(detail.netting).toMatchObject({ grossMinor: 1950n, netMovedMinor: 1350n, efficiencyBps: 3076 });
    expect(detail.bilateral.map((x) => [x.payer, x.payee, x.amountMinor, x.count])).toEqual([
      ['a', 'b', 1000n, 1],
      ['a', 'c', 400n, 1],
      ['b', 'c', 300n, 1],
      ['c', 'd', 200n, 1],
      ['d', 'a', 50n, 1],
    ]);
    // The next USD window opened at the next height; a later block goes there.
    await sendBlocks([finalizedBlock(4, [{ payer: 'b', payee: 'a', amountMinor: '10' }])]);
    await appliedHeight(b, 4);
    const next = (await b.prisma.clearingWindow.findFirst({ where: { currency: 'USD', status: 'open' } }))!;
    expect(next.fromHeight).toBe(4);
    expect(await b.repo.windowDetail(next.id)).toMatchObject({ netting: { grossMinor: 10n } });

    await eventually(async () => (count('instruction.created') >= 4 ? true : undefined), 20_000, 'events');
    await new Promise((r) => setTimeout(r, 500));
    expect(count('instruction.created')).toBe(4);
    expect(count('window.closed')).toBe(1);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
  });

  it('applies close-window and set-cap commands once per request id; alarms once per crossing', async () => {
    await sendCommands([
      { v: 1, type: 'close-window', requestId: 'close-php-1', currency: 'PHP' },
      { v: 1, type: 'close-window', requestId: 'close-php-1', currency: 'PHP' },
      { v: 1, type: 'set-cap', requestId: 'cap-1', participantId: 'a', currency: 'USD', capMinor: '1000' },
    ]);
    const php = await eventually(
      async () =>
        (await b.prisma.clearingWindow.findFirst({ where: { currency: 'PHP', status: 'settling' } })) ??
        undefined,
      20_000,
      'the PHP close',
    );
    expect(
      (await b.repo.instructions(php.id)).map((i) => [i.participantId, i.direction, i.amountMinor]),
    ).toEqual([
      ['a', 'pay-in', 500n],
      ['b', 'pay-out', 500n],
    ]);
    await eventually(
      async () => ((await b.prisma.clearingCap.count()) === 1 ? true : undefined),
      20_000,
      'cap',
    );
    const a = (balanceMinor: bigint, reservedMinor = 0n) => [
      { participantId: 'a', currency: 'USD', balanceMinor, reservedMinor },
    ];
    await sendBlocks([
      finalizedBlock(5, [], a(-700n)), // above -800: nothing
      finalizedBlock(6, [], a(-900n)), // below: alarm
      finalizedBlock(7, [], a(-950n)), // still below: nothing more
      finalizedBlock(8, [], a(-100n)), // back above: re-armed
      finalizedBlock(9, [], a(-700n, 200n)), // position -900: alarm again
    ]);
    await appliedHeight(b, 9);
    await eventually(async () => (count('limit.alarm') >= 2 ? true : undefined), 20_000, 'alarms');
    await new Promise((r) => setTimeout(r, 300));
    expect(count('limit.alarm')).toBe(2);
    expect(count('limit.cleared')).toBe(1);
    expect(
      events.filter((e) => e.type === 'limit.alarm').map((e) => e.type === 'limit.alarm' && e.height),
    ).toEqual([6, 9]);
    expect((await b.metrics.limitAlarms.get()).values.reduce((s, v) => s + v.value, 0)).toBe(2);
    expect(await b.prisma.clearingWindow.count({ where: { currency: 'PHP', status: { not: 'open' } } })).toBe(
      1,
    );
  });

  it('accumulates partial confirmations, reverses one, and settles when every instruction is confirmed', async () => {
    const usd = (await b.prisma.clearingWindow.findFirst({
      where: { currency: 'USD', status: 'settling' },
    }))!;
    const id = (p: string) => `w${usd.id}.${p}`;
    expect((await b.service.confirm(id('a'), 'ref-1', 1000n)).instruction.status).toBe('partially-confirmed');
    expect((await b.service.confirm(id('a'), 'ref-1', 1000n)).replayed).toBe(true);
    await expect(b.service.confirm(id('a'), 'ref-1', 999n)).rejects.toMatchObject({
      code: 'CONFIRMATION_CONFLICT',
    });
    await expect(b.service.confirm(id('a'), 'ref-2', 400n)).rejects.toMatchObject({
      code: 'OVER_CONFIRMATION',
    });
    expect((await b.service.reverse(id('a'), 'ref-1')).confirmedMinor).toBe(0n);
    await expect(b.service.reverse(id('a'), 'ref-1')).rejects.toMatchObject({
      code: 'CONFIRMATION_REVERSED',
    });
    await b.service.confirm(id('a'), 'ref-3', 1350n);
    await b.service.confirm(id('b'), 'ref-4', 700n);
    await b.service.confirm(id('c'), 'ref-5', 500n);
    expect((await b.repo.window(usd.id))!.status).toBe('settling');
    const last = await b.service.confirm(id('d'), 'ref-6', 150n);
    expect(last.settled).toBe(true);
    expect((await b.repo.window(usd.id))!.status).toBe('settled');
    await expect(b.service.reverse(id('d'), 'ref-6')).rejects.toBeInstanceOf(ClearingError);
    await expect(b.service.reverse(id('d'), 'ref-6')).rejects.toMatchObject({ code: 'WINDOW_SETTLED' });
    await eventually(
      async () => (count('window.settled') === 1 ? true : undefined),
      20_000,
      'window.settled',
    );
    const settled = events.find((e) => e.type === 'window.settled');
    expect(settled).toMatchObject({ windowId: usd.id, currency: 'USD' });
  });

  it('serves windows and instructions (JSON, CSV) and problem+json errors over HTTP', async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [ClearingController],
      providers: [
        { provide: ClearingRepository, useValue: b.repo },
        { provide: ClearingService, useValue: b.service },
      ],
    }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    app.useGlobalFilters(new ClearingProblemFilter(() => undefined));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    const http = app.getHttpAdapter().getInstance();
    try {
      const list = await http.inject({ method: 'GET', url: '/windows?currency=USD' });
      expect(list.statusCode).toBe(200);
      const windows = list.json().windows as { id: number; status: string }[];
      const settled = windows.find((w) => w.status === 'settled')!;
      const detail = await http.inject({ method: 'GET', url: `/windows/${settled.id}` });
      expect(detail.json()).toMatchObject({
        currency: 'USD',
        gross: '19.50',
        netMoved: '13.50',
        efficiencyBps: 3076,
        positions: expect.arrayContaining([
          { participantId: 'a', sent: '14.00', received: '0.50', net: '-13.50' },
        ]),
      });
      const csv = await http.inject({ method: 'GET', url: `/windows/${settled.id}/instructions.csv` });
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      expect(csv.body.split('\r\n')[0]).toBe(
        'id,windowId,participantId,currency,direction,amount,confirmed,outstanding,valueDate,status',
      );
      expect(csv.body).toContain(`w${settled.id}.a,${settled.id},a,USD,pay-in,13.50,13.50,0.00,`);
      const json = await http.inject({ method: 'GET', url: `/windows/${settled.id}/instructions` });
      expect(json.json().instructions).toHaveLength(4);

      const missing = await http.inject({ method: 'GET', url: '/windows/999999' });
      expect(missing.statusCode).toBe(404);
      expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(missing.json()).toMatchObject({ code: 'WINDOW_NOT_FOUND', status: 404 });
      const bad = await http.inject({
        method: 'POST',
        url: `/instructions/w${settled.id}.a/confirm`,
        payload: { bankReference: 'x', amount: 5 },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'amount' }] });
      const settledConfirm = await http.inject({
        method: 'POST',
        url: `/instructions/w${settled.id}.a/confirm`,
        payload: { bankReference: 'late', amount: '1.00' },
      });
      expect(settledConfirm.json()).toMatchObject({ status: 409, code: 'WINDOW_SETTLED' });

      // An operator's close over HTTP: the open USD window (b -> a 0.10) closes with its instructions.
      const closed = await http.inject({ method: 'POST', url: '/windows/USD/close' });
      expect(closed.statusCode).toBe(201);
      const body = closed.json();
      expect(body).toMatchObject({ status: 'settling', currency: 'USD', gross: '0.10', netMoved: '0.10' });
      expect(
        body.instructions.map((i: { participantId: string; direction: string }) => [
          i.participantId,
          i.direction,
        ]),
      ).toEqual([
        ['a', 'pay-out'],
        ['b', 'pay-in'],
      ]);
      const partial = await http.inject({
        method: 'POST',
        url: `/instructions/${body.instructions[1].id}/confirm`,
        payload: { bankReference: 'bank-77', amount: '0.04' },
      });
      expect(partial.json()).toMatchObject({
        status: 'partially-confirmed',
        confirmed: '0.04',
        outstanding: '0.06',
      });
      // Abort: refused while a confirmation stands; after its reversal the positions move to the open window.
      const refused = await http.inject({ method: 'POST', url: `/windows/${body.id}/abort` });
      expect(refused.json()).toMatchObject({ status: 409, code: 'WINDOW_NOT_ABORTABLE' });
      await http.inject({
        method: 'POST',
        url: `/instructions/${body.instructions[1].id}/reverse`,
        payload: { bankReference: 'bank-77' },
      });
      const aborted = await http.inject({ method: 'POST', url: `/windows/${body.id}/abort` });
      expect(aborted.statusCode).toBe(200);
      const carried = aborted.json().carriedToWindowId as number;
      expect(aborted.json()).toMatchObject({ status: 'aborted' });
      expect((await http.inject({ method: 'GET', url: `/windows/${carried}` })).json()).toMatchObject({
        status: 'open',
        gross: '0.10',
        bilateral: [{ payer: 'b', payee: 'a', amount: '0.10', count: 1 }],
      });
      const cancelled = await http.inject({ method: 'GET', url: `/windows/${body.id}/instructions` });
      expect(cancelled.json().instructions.map((i: { status: string }) => i.status)).toEqual([
        'cancelled',
        'cancelled',
      ]);
      const confirmAborted = await http.inject({
        method: 'POST',
        url: `/instructions/${body.instructions[1].id}/confirm`,
        payload: { bankReference: 'bank-78', amount: '0.10' },
      });
      expect(confirmAborted.json()).toMatchObject({ status: 409, code: 'WINDOW_NOT_SETTLING' });
      await eventually(
        async () => (count('window.aborted') === 1 ? true : undefined),
        20_000,
        'window.aborted',
      );
      const unknown = await http.inject({ method: 'POST', url: '/windows/XXX/close' });
      expect(unknown.json()).toMatchObject({ status: 404, code: 'NO_OPEN_WINDOW' });
    } finally {
      await app.close();
    }
  });
});
