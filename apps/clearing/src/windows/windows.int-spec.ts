import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ClearingCommandsMessage, ClearingEvent, clearingEventSchema, topicName } from '@concord/contracts';
import { servicesClient, ServicesPrismaClient } from '@concord/db';
import { createKafka, createProducer, sendJson } from '@concord/kafka';
import { ensureTopics } from '../../../../libs/devtools/src/infra/infra';
import {
  createTestDatabase,
  deleteTestTopics,
  eventually,
  TEST_KAFKA_BROKERS,
  TEST_REDIS_URL,
  uniqueName,
} from '@concord/testing';
import { finalizedBlock } from '../../test/fixtures';
import { ClearingModule } from '../clearing.module';
import { ClearingProblemFilter } from '../http/problems';
import { ClearingService } from '../clearing.service';
import { WindowScheduler } from './windows.processor';

jest.setTimeout(120_000);

const OPERATOR_TOKEN = 'clearing-windows-int-spec-operator-token-0123';

/**
 * The clearing service as it runs (ClearingModule, its own wiring: BullMQ on real Redis, PostgreSQL,
 * Kafka): USD closes on its cut-off pattern from CLEARING_WINDOW_SCHEDULE and PHP keeps the interval; an
 * empty window is left open by the schedule; a close repeated under its request id (an operator's
 * Idempotency-Key, a scheduled run) closes nothing more; an abort tells each participant that its
 * instruction is cancelled; participants' confirm-settlement commands are recorded or refused.
 */
describe('clearing windows through the module (Redis, PostgreSQL, Kafka)', () => {
  const prefix = uniqueName('cw');
  const saved = { ...process.env };
  let db: { url: string; drop: () => Promise<void> };
  let app: NestFastifyApplication;
  let prisma: ServicesPrismaClient;
  let producer: Awaited<ReturnType<typeof createProducer>>;

  const http = (method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}) =>
    app
      .getHttpAdapter()
      .getInstance()
      .inject({ method, url, headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, ...headers } });
  const sendBlocks = (blocks: ReturnType<typeof finalizedBlock>[]) =>
    sendJson(
      producer,
      topicName('ledgerFinalized', prefix),
      blocks.map((value) => ({ key: String(value.header.height), value })),
    );
  const sendCommands = (commands: ClearingCommandsMessage[]) =>
    sendJson(
      producer,
      topicName('clearingCommands', prefix),
      commands.map((value) => ({ key: value.requestId, value })),
    );
  const applied = (height: number) =>
    eventually(
      async () => ((await prisma.clearingBlock.findUnique({ where: { height } })) ? true : undefined),
      20_000,
      `block ${height}`,
    );
  /** The clearing events the module wrote (its outbox: what it publishes on clearing.events). */
  const events = async (): Promise<ClearingEvent[]> =>
    (
      await prisma.clearingOutbox.findMany({ where: { topic: 'clearingEvents' }, orderBy: { seq: 'asc' } })
    ).map((r) => clearingEventSchema.parse(JSON.parse(r.payload)));
  const windows = (currency: string) =>
    prisma.clearingWindow.findMany({ where: { currency }, orderBy: { id: 'asc' } });

  beforeAll(async () => {
    db = await createTestDatabase();
    await ensureTopics(TEST_KAFKA_BROKERS, prefix);
    Object.assign(process.env, {
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      KAFKA_BROKERS: TEST_KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      OPERATOR_TOKEN,
      // USD cuts off every two seconds (a cron pattern with seconds); PHP is not named: hourly.
      CLEARING_WINDOW_SCHEDULE: 'USD=*/2 * * * * *@America/New_York',
      CLEARING_WINDOW_INTERVAL_MS: '3600000',
    });
    delete process.env.CLEARING_PORT;
    delete process.env.CLEARING_HEALTH_PORT;
    const moduleRef = await Test.createTestingModule({ imports: [ClearingModule] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    app.useGlobalFilters(new ClearingProblemFilter(() => undefined));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    prisma = servicesClient(db.url, 2);
    producer = await createProducer(
      createKafka({ brokers: TEST_KAFKA_BROKERS, clientId: 'clearing-windows-int', topicPrefix: prefix }),
    );
  });

  afterAll(async () => {
    await app?.close();
    await producer?.disconnect();
    await prisma?.$disconnect();
    process.env = saved;
    await deleteTestTopics(prefix);
    await db?.drop();
  });

  it('closes USD on its own cut-off pattern, leaves its empty window open, and PHP to the interval', async () => {
    await sendBlocks([
      finalizedBlock(1, [
        { payer: 'a', payee: 'b', amountMinor: '1000' },
        { payer: 'a', payee: 'b', amountMinor: '500', currency: 'PHP' },
      ]),
    ]);
    await applied(1);
    const scheduler = app.get(WindowScheduler);
    // The schedule of each currency is what the configuration says.
    await eventually(async () => ((await scheduler.describe('PHP')) ? true : undefined), 10_000, 'PHP');
    expect(await scheduler.describe('USD')).toMatchObject({
      pattern: '*/2 * * * * *',
      tz: 'America/New_York',
    });
    expect(await scheduler.describe('PHP')).toMatchObject({ every: 3_600_000 });

    const closed = await eventually(
      async () => (await windows('USD')).find((w) => w.status === 'settling'),
      20_000,
      'the scheduled USD close',
    );
    expect(closed).toMatchObject({ closeReason: 'schedule', fromHeight: 0, toHeight: 1 });
    const [claim] = await prisma.clearingCommand.findMany({ where: { windowId: closed.id } });
    expect(claim).toMatchObject({ type: 'close-window', currency: 'USD' });
    expect(claim.requestId).toMatch(/^schedule:USD:\d+000$/);
    expect(
      (
        await prisma.clearingInstruction.findMany({ where: { windowId: closed.id }, orderBy: { id: 'asc' } })
      ).map((i) => [i.participantId, i.direction, i.amountMinor]),
    ).toEqual([
      ['a', 'pay-in', 1000n],
      ['b', 'pay-out', 1000n],
    ]);

    // Two more cut-offs pass over the next, empty, USD window: it stays open, and each run is recorded
    // as having closed nothing.
    await eventually(
      async () => {
        const runs = await prisma.clearingCommand.findMany({
          where: { currency: 'USD', requestId: { startsWith: 'schedule:' }, windowId: null },
        });
        return runs.length >= 2 ? true : undefined;
      },
      10_000,
      'cut-offs over the empty window',
    );
    expect((await windows('USD')).map((w) => w.status)).toEqual(['settling', 'open']);
    expect((await windows('PHP')).map((w) => w.status)).toEqual(['open']);
  });

  it('answers a repeated operator close with the window it closed, and a scheduled run once', async () => {
    const key = { 'idempotency-key': 'ops-close-php-1' };
    const first = await http('POST', '/windows/PHP/close', key);
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const php = first.json() as { id: number; gross: string; instructions: unknown[] };
    expect(php).toMatchObject({
      currency: 'PHP',
      status: 'settling',
      gross: '5.00',
      closeReason: 'operator',
    });

    // Transfers come into the next PHP window; the HTTP retry must not close it early.
    await sendBlocks([finalizedBlock(2, [{ payer: 'b', payee: 'a', amountMinor: '300', currency: 'PHP' }])]);
    await applied(2);
    const again = await http('POST', '/windows/PHP/close', key);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(php);
    const open = (await windows('PHP')).find((w) => w.status === 'open')!;
    expect(open.lastHeight).toBe(2);

    // The key names that request: for another currency it is refused; a malformed key is refused too.
    const reused = await http('POST', '/windows/USD/close', key);
    expect(reused.statusCode).toBe(409);
    expect(reused.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    const bad = await http('POST', '/windows/PHP/close', { 'idempotency-key': 'no spaces allowed' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'Idempotency-Key' }] });
    expect((await windows('PHP')).filter((w) => w.status === 'open')).toHaveLength(1);

    // A scheduled run that a stalled job runs again: the second time it closes nothing more.
    const service = app.get(ClearingService);
    const run = await service.close('PHP', 'schedule', 'schedule:PHP:1800000000000');
    expect(run).toMatchObject({ windowId: open.id });
    expect(run?.replayed).toBeUndefined();
    await sendBlocks([finalizedBlock(3, [{ payer: 'a', payee: 'b', amountMinor: '200', currency: 'PHP' }])]);
    await applied(3);
    expect(await service.close('PHP', 'schedule', 'schedule:PHP:1800000000000')).toMatchObject({
      windowId: open.id,
      replayed: true,
    });
    expect((await windows('PHP')).at(-1)).toMatchObject({ status: 'open', lastHeight: 3 });
  });

  it('tells each participant of an aborted window that its instruction is cancelled', async () => {
    const php = (await windows('PHP')).find((w) => w.status === 'settling' && w.closeReason === 'operator')!;
    const aborted = await http('POST', `/windows/${php.id}/abort`);
    expect(aborted.statusCode).toBe(200);
    const carried = (aborted.json() as { carriedToWindowId: number }).carriedToWindowId;
    const cancelled = (await events()).filter((e) => e.type === 'instruction.cancelled');
    expect(
      cancelled.map(
        (e) =>
          e.type === 'instruction.cancelled' && [
            e.eventId,
            e.instruction.participantId,
            e.instruction.direction,
            e.instruction.amountMinor,
            e.carriedToWindowId,
          ],
      ),
    ).toEqual([
      [`instruction.cancelled:w${php.id}.a`, 'a', 'pay-in', '500', carried],
      [`instruction.cancelled:w${php.id}.b`, 'b', 'pay-out', '500', carried],
    ]);
    // Announced under the currency's key, as the instructions' other events.
    const rows = await prisma.clearingOutbox.findMany({
      where: { eventId: { startsWith: 'instruction.cancelled:' } },
    });
    expect(rows.map((r) => r.key)).toEqual(['PHP', 'PHP']);
  });

  it("records a participant's confirmation of its pay-out as an operator's, and refuses the others", async () => {
    const usd = (await windows('USD')).find((w) => w.status === 'settling')!;
    const confirm = (
      requestId: string,
      participantId: string,
      instructionId: string,
      bankReference: string,
      amountMinor: string,
    ): ClearingCommandsMessage => ({
      v: 1,
      type: 'confirm-settlement',
      requestId,
      instructionId,
      participantId,
      bankReference,
      amountMinor,
    });
    const payOut = `w${usd.id}.b`;
    const payIn = `w${usd.id}.a`;
    await sendCommands([
      confirm('r-1', 'b', payOut, 'b-1', '400'),
      confirm('r-1', 'b', payOut, 'b-1', '400'),
      confirm('r-2', 'a', payIn, 'a-1', '1000'),
      confirm('r-3', 'b', payOut, 'b-2', '700'),
      confirm('r-4', 'a', payOut, 'a-2', '100'),
      confirm('r-5', 'b', payOut, 'b-1', '300'),
      confirm('r-6', 'b', payOut, 'b-3', '600'),
    ]);
    await eventually(
      async () =>
        (await events()).filter((e) => e.type === 'confirmation.refused').length >= 4 ? true : undefined,
      20_000,
      'the refusals',
    );
    await eventually(
      async () =>
        (await prisma.clearingInstruction.findUnique({ where: { id: payOut } }))?.status === 'confirmed'
          ? true
          : undefined,
      20_000,
      'the pay-out confirmed',
    );
    const all = await events();
    expect(
      all.flatMap((e) => (e.type === 'confirmation.refused' ? [[e.requestId, e.participantId, e.code]] : [])),
    ).toEqual([
      ['r-2', 'a', 'CONFIRMATION_NOT_ALLOWED'],
      ['r-3', 'b', 'OVER_CONFIRMATION'],
      ['r-4', 'a', 'INSTRUCTION_NOT_FOUND'],
      ['r-5', 'b', 'CONFIRMATION_CONFLICT'],
    ]);
    expect(
      all.flatMap((e) =>
        e.type === 'instruction.confirmed'
          ? [[e.bankReference, e.amountMinor, e.confirmedMinor, e.status, e.source]]
          : [],
      ),
    ).toEqual([
      ['b-1', '400', '400', 'partially-confirmed', 'participant'],
      ['b-3', '600', '1000', 'confirmed', 'participant'],
    ]);
    const confirmations = await prisma.clearingConfirmation.findMany({ orderBy: { id: 'asc' } });
    expect(confirmations.map((c) => [c.instructionId, c.bankReference, c.amountMinor, c.source])).toEqual([
      [payOut, 'b-1', 400n, 'participant'],
      [payOut, 'b-3', 600n, 'participant'],
    ]);
    // Each one a ledger posting, as an operator's confirmation makes.
    const postings = await prisma.clearingOutbox.findMany({
      where: { topic: 'ledgerCommands' },
      orderBy: { seq: 'asc' },
    });
    expect(
      postings.map(
        (p) => JSON.parse(p.payload) as { postingId: string; direction: string; amountMinor: string },
      ),
    ).toEqual([
      expect.objectContaining({
        postingId: `conf-${confirmations[0].id}`,
        direction: 'pay-out',
        amountMinor: '400',
      }),
      expect.objectContaining({
        postingId: `conf-${confirmations[1].id}`,
        direction: 'pay-out',
        amountMinor: '600',
      }),
    ]);
    expect((await prisma.clearingInstruction.findUnique({ where: { id: payIn } }))!.status).toBe('pending');
  });
});
