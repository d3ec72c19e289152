import type { Kafka } from 'kafkajs';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Registry } from 'prom-client';
import { DEMO_CLEARING_SETTLEMENT_KEY } from '@concord/config';
import {
  ClearingCommand,
  ClearingEvent,
  clearingEventSchema,
  SettlementCommand,
  settlementCommandSchema,
  settlementSigningPayload,
  topicName,
} from '@concord/contracts';
import { verifyBytes } from '@concord/crypto';
import { servicesClient } from '@concord/db';
import { createKafka, createProducer, KafkaSettings, sendJson } from '@concord/kafka';
import { createLogger } from '@concord/observability';
import { OPERATOR_AUTH } from '@concord/operator-auth';
import { ensureTopics } from '../../../libs/devtools/src/infra/infra';
import {
  createTestDatabase,
  deleteTestTopics,
  eventually,
  TEST_KAFKA_BROKERS,
  uniqueName,
} from '@concord/testing';
import { ClearingConsumers } from '../src/clearing.consumers';
import { ClearingError } from '../src/clearing.errors';
import { ClearingMetrics } from '../src/clearing.metrics';
import { ClearingRepository } from '../src/clearing.repository';
import { ClearingService } from '../src/clearing.service';
import { ClearingController } from '../src/http/clearing.controller';
import { ClearingProblemFilter } from '../src/http/problems';
import { OutboxPublisher } from '../src/outbox/outbox.publisher';
import { SettlementSigner } from '../src/settlement/settlement-signer';
import { finalizedBlock, TEST_CHAIN_ID } from './fixtures';

jest.setTimeout(120_000);

const OPERATOR_TOKEN = 'clearing-int-spec-operator-token-0123456789';

/** The gross settlement participant of these tests (the ledger announces it in the last one). */
const GROSS = 'g';

/**
 * The clearing service against real PostgreSQL and Kafka: blocks in from ledger.finalized, a window close
 * that crashes half-way and is finished by the restarted service (each instruction and event once),
 * operators' commands (deduplicated), limit alarms once per crossing against the ledger's limits,
 * confirmations and reversals with their signed settlement postings on ledger.commands (each once across
 * a restart), a gross settlement participant netted as the hub (and never posted), and the HTTP API.
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
  const postings: SettlementCommand[] = [];
  let eventsConsumer: ReturnType<Kafka['consumer']>;
  let postingsConsumer: ReturnType<Kafka['consumer']>;
  const signer = new SettlementSigner(DEMO_CLEARING_SETTLEMENT_KEY, 'clearing-1');
  let testProducer: Awaited<ReturnType<typeof createProducer>>;

  type Instance = Awaited<ReturnType<typeof startInstance>>;
  let b: Instance;

  /**
   * One clearing process. `publish: false` stands for a process that dies after its transactions
   * committed but before its outbox went out.
   */
  async function startInstance(options: { afterInstructions?: number; publish?: boolean } = {}) {
    const { afterInstructions, publish = true } = options;
    const prisma = servicesClient(db.url, 4);
    const repo = new ClearingRepository(prisma, signer);
    const metrics = new ClearingMetrics(new Registry());
    const log = createLogger('clearing-int', 'silent');
    const producer = await createProducer(createKafka(settings));
    const publisher = new OutboxPublisher(repo, producer, prefix, log, metrics);
    const service = new ClearingService(repo, log, metrics, {
      alarmShareBps: 8000,
      valueDateDays: 1,
      onEvents: () => (publish ? publisher.kick() : Promise.resolve()),
      closeFault: afterInstructions === undefined ? undefined : { afterInstructions },
    });
    await service.recover();
    const consumers = new ClearingConsumers(settings, () => createKafka(settings), producer, service);
    await consumers.start();
    return {
      prisma,
      repo,
      metrics,
      service,
      stop: async () => {
        await consumers.stop();
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
    // What the ledger would read: the settlement postings on its command log.
    postingsConsumer = kafka.consumer({ groupId: `${prefix}-postings` });
    await postingsConsumer.connect();
    await postingsConsumer.subscribe({ topic: topicName('ledgerCommands', prefix), fromBeginning: true });
    await postingsConsumer.run({
      eachMessage: async ({ message }) => {
        postings.push(settlementCommandSchema.parse(JSON.parse(message.value!.toString())));
      },
    });
  });

  afterAll(async () => {
    await b?.stop();
    await eventsConsumer?.disconnect();
    await postingsConsumer?.disconnect();
    await testProducer?.disconnect();
    await deleteTestTopics(prefix);
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
    const a = await startInstance({ afterInstructions: 2 });
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
    expect(detail.netting).toMatchObject({ grossMinor: 1950n, netMovedMinor: 1350n, efficiencyBps: 3077 });
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

  it('applies close-window commands once per request id; alarms once per crossing of the ledger caps', async () => {
    await sendCommands([
      { v: 1, type: 'close-window', requestId: 'close-php-1', currency: 'PHP' },
      { v: 1, type: 'close-window', requestId: 'close-php-1', currency: 'PHP' },
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
    // The caps are the ledger's limits of the position accounts, as the finalized blocks carry them.
    const cap = (capMinor: string) => ({ kind: 'net-debit-cap' as const, capMinor });
    const a = (
      balanceMinor: bigint,
      limit: ReturnType<typeof cap> | { kind: 'no-overdraft' },
      reservedMinor = 0n,
    ) => [{ participantId: 'a', currency: 'USD', balanceMinor, reservedMinor, limit }];
    await sendBlocks([
      finalizedBlock(5, [], a(-700n, cap('1000'))), // above -800: nothing
      finalizedBlock(6, [], a(-900n, cap('1000'))), // below: alarm
      finalizedBlock(7, [], a(-950n, cap('1000'))), // still below: nothing more
      finalizedBlock(8, [], a(-100n, cap('1000'))), // back above: re-armed
      finalizedBlock(9, [], a(-700n, cap('1000'), 200n)), // position -900: alarm again
      finalizedBlock(10, [], a(-700n, { kind: 'no-overdraft' })), // no cap any more: re-armed silently
      finalizedBlock(11, [], a(-50n, cap('1000'))), // a cap again, far above it: nothing
      // A governance set-limit lowers the cap to 60.00 (threshold -48.00): the same position now alarms.
      finalizedBlock(12, [], a(-50n, cap('60'))),
    ]);
    await appliedHeight(b, 12);
    await eventually(async () => (count('limit.alarm') >= 3 ? true : undefined), 20_000, 'alarms');
    await new Promise((r) => setTimeout(r, 300));
    expect(
      events
        .filter((e) => e.type === 'limit.alarm')
        .map((e) => e.type === 'limit.alarm' && [e.height, e.capMinor]),
    ).toEqual([
      [6, '1000'],
      [9, '1000'],
      [12, '60'],
    ]);
    expect(count('limit.cleared')).toBe(1);
    expect((await b.metrics.limitAlarms.get()).values.reduce((s, v) => s + v.value, 0)).toBe(3);
    expect(await b.prisma.clearingAccount.findUnique({ where: { id: 'a/USD' } })).toMatchObject({
      capMinor: 60n,
      alarmed: true,
    });
    expect(await b.prisma.clearingWindow.count({ where: { currency: 'PHP', status: { not: 'open' } } })).toBe(
      1,
    );
  });

  it('accumulates partial confirmations, reverses one, and settles when every instruction is confirmed', async () => {
    // This process commits the confirmations but dies before any of its outbox goes out.
    await b.stop();
    b = await startInstance({ publish: false });
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
    await new Promise((r) => setTimeout(r, 1000));
    expect(postings).toHaveLength(0);

    // The restarted process publishes what the first one committed: one posting per confirmation and
    // one per reversal, in order (the reversal after what it reverses), signed for the ledger's chain.
    await b.stop();
    b = await startInstance();
    const confirmations = await b.prisma.clearingConfirmation.findMany({ orderBy: { id: 'asc' } });
    expect(confirmations.map((c) => c.bankReference)).toEqual(['ref-1', 'ref-3', 'ref-4', 'ref-5', 'ref-6']);
    const [c1, c3, c4, c5, c6] = confirmations.map((c) => c.id);
    await eventually(async () => (postings.length >= 6 ? true : undefined), 20_000, 'settlement postings');
    await eventually(
      async () => (count('window.settled') === 1 ? true : undefined),
      20_000,
      'window.settled',
    );
    // A third start finds nothing left to send.
    await b.stop();
    b = await startInstance();
    await new Promise((r) => setTimeout(r, 1000));
    expect(
      postings.map((p) => [p.postingId, p.participantId, p.currency, p.direction, p.amountMinor, p.reverses]),
    ).toEqual([
      [`conf-${c1}`, 'a', 'USD', 'pay-in', '1000', undefined],
      [`rev-${c1}`, 'a', 'USD', 'pay-in', '1000', `conf-${c1}`],
      [`conf-${c3}`, 'a', 'USD', 'pay-in', '1350', undefined],
      [`conf-${c4}`, 'b', 'USD', 'pay-out', '700', undefined],
      [`conf-${c5}`, 'c', 'USD', 'pay-out', '500', undefined],
      [`conf-${c6}`, 'd', 'USD', 'pay-out', '150', undefined],
    ]);
    for (const { signature, ...unsigned } of postings) {
      expect(unsigned).toMatchObject({
        keyId: 'clearing-1',
        reference: expect.stringContaining(`window ${usd.id}`),
      });
      expect(
        verifyBytes(signer.publicKeyHex, settlementSigningPayload(TEST_CHAIN_ID, unsigned), signature),
      ).toBe(true);
    }
    const settled = events.find((e) => e.type === 'window.settled');
    expect(settled).toMatchObject({ windowId: usd.id, currency: 'USD' });
    expect(count('instruction.confirmed')).toBe(5);
    expect(count('instruction.reversed')).toBe(1);
  });

  it('serves windows and instructions (JSON, CSV) and problem+json errors over HTTP', async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [ClearingController],
      providers: [
        { provide: ClearingRepository, useValue: b.repo },
        { provide: ClearingService, useValue: b.service },
        { provide: OPERATOR_AUTH, useValue: { token: OPERATOR_TOKEN } },
      ],
    }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    app.useGlobalFilters(new ClearingProblemFilter(() => undefined));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    const fastify = app.getHttpAdapter().getInstance();
    // Every call below as an operator: the operator API needs the bearer token.
    const http = {
      inject: (request: { method: 'GET' | 'POST'; url: string; payload?: object }) =>
        fastify.inject({ ...request, headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } }),
    };
    try {
      const anonymous = await fastify.inject({ method: 'POST', url: '/windows/USD/close' });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
      const list = await http.inject({ method: 'GET', url: '/windows?currency=USD' });
      expect(list.statusCode).toBe(200);
      const windows = list.json().windows as { id: number; status: string }[];
      const settled = windows.find((w) => w.status === 'settled')!;
      const detail = await http.inject({ method: 'GET', url: `/windows/${settled.id}` });
      expect(detail.json()).toMatchObject({
        currency: 'USD',
        gross: '19.50',
        netMoved: '13.50',
        efficiencyBps: 3077,
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

  it('nets a gross participant as the hub, from the ledger announcing it, and sends no posting for it', async () => {
    const before = postings.length;
    // The ledger announces g as a gross participant (and a as a net one); g pays a 3.00 and is paid 1.00
    // by b in two transfers; the block comes twice (a redelivery).
    const block = finalizedBlock(
      13,
      [],
      [],
      [
        { payer: GROSS, payee: 'a', currency: 'USD', amountMinor: '300', count: 1 },
        { payer: 'b', payee: GROSS, currency: 'USD', amountMinor: '100', count: 2 },
      ],
    );
    const member = (id: string, settlement: 'net' | 'gross') => ({
      id,
      name: id,
      keys: [],
      currencies: ['USD'],
      status: 'active' as const,
      settlement,
    });
    block.participants = [member('a', 'net'), member(GROSS, 'gross')];
    await sendBlocks([block, block]);
    await appliedHeight(b, 13);
    expect(await b.prisma.clearingParticipant.findMany({ orderBy: { id: 'asc' } })).toEqual([
      { id: 'a', settlement: 'net', height: 13 },
      { id: GROSS, settlement: 'gross', height: 13 },
    ]);
    // The gross set is kept across a restart: a later block's move of g (announced nowhere in it) is netted
    // as the hub's too.
    await b.stop();
    b = await startInstance();
    await sendBlocks([
      finalizedBlock(
        14,
        [],
        [],
        [{ payer: GROSS, payee: 'b', currency: 'USD', amountMinor: '25', count: 1 }],
      ),
    ]);
    await appliedHeight(b, 14);

    // The open USD window (b -> a 0.10 carried from the aborted one) nets g's side against the hub, which
    // gets no instruction, and neither does g: a is paid out 3.10, b pays in 0.85, the hub's -2.25 is what
    // g's prefunded position moved, already final at the ledger.
    const closed = (await b.service.close('USD', 'operator'))!;
    expect(closed.instructions.map((i) => [i.participantId, i.direction, i.amountMinor])).toEqual([
      ['a', 'pay-out', 310n],
      ['b', 'pay-in', 85n],
    ]);
    const detail = (await b.repo.windowDetail(closed.windowId))!;
    expect(detail.netting.positions.map((p) => [p.participantId, p.netMinor])).toEqual([
      ['a', 310n],
      ['b', -85n],
      ['hub', -225n],
    ]);
    expect(detail.bilateral.map((x) => [x.payer, x.payee, x.amountMinor, x.count])).toEqual([
      ['b', 'a', 10n, 1],
      ['b', 'hub', 100n, 2],
      ['hub', 'a', 300n, 1],
      ['hub', 'b', 25n, 1],
    ]);
    // No settlement posting was made for g's moves: the ledger settled them when it committed them.
    await new Promise((r) => setTimeout(r, 1000));
    expect(postings.slice(before).filter((p) => p.participantId === GROSS)).toEqual([]);
    expect(postings.length).toBe(before);
  });
});
