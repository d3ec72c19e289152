import type { Kafka } from 'kafkajs';
import {
  ClearingCommandsMessage,
  clearingCommandsMessageSchema,
  ClearingEvent,
  clearingEventSchema,
  topicName,
  instructionsCsv,
} from '@concord/contracts';
import { servicesClient, ServicesPrismaClient } from '@concord/db';
import { createKafka, createProducer } from '@concord/kafka';
import { ensureTopics } from '../../../../libs/devtools/src/infra/infra';
import {
  createTestDatabase,
  deleteTestTopics,
  eventually,
  TEST_KAFKA_BROKERS,
  uniqueName,
} from '@concord/testing';
import { SettlementFailure } from './settlement-instructions.errors';
import { SettlementInstructionsRepository } from './settlement-instructions.repository';
import { SettlementInstructionsService } from './settlement-instructions.service';

jest.setTimeout(60_000);

const T0 = 1_800_000_000_000;

const instruction = (
  windowId: number,
  participantId: string,
  direction: 'pay-in' | 'pay-out',
  amountMinor: string,
) => ({
  instructionId: `w${windowId}.${participantId}`,
  windowId,
  participantId,
  currency: 'USD',
  direction,
  amountMinor,
  valueDate: '2027-01-16',
});

const event = (e: Record<string, unknown>): ClearingEvent => clearingEventSchema.parse({ v: 1, ...e });
const created = (i: ReturnType<typeof instruction>) =>
  event({ type: 'instruction.created', eventId: `instruction.created:${i.instructionId}`, instruction: i });

/** What a refusal of the service looks like, by its kind. */
async function refusal(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (e) {
    if (e instanceof SettlementFailure) return e.error.kind;
    throw e;
  }
  return 'accepted';
}

/**
 * The partner API's settlement instructions against real PostgreSQL and Kafka: clearing events applied
 * once by event id, each partner seeing only its own instructions (lists, filters, pages, CSV, one by id),
 * and a payee's confirmation recorded under its bank reference and sent to clearing as a versioned
 * confirm-settlement command, its outcome coming back as events.
 */
describe('settlement instructions (PostgreSQL + Kafka)', () => {
  const prefix = uniqueName('si');
  let db: { url: string; drop: () => Promise<void> };
  let prisma: ServicesPrismaClient;
  let repo: SettlementInstructionsRepository;
  let service: SettlementInstructionsService;
  let producer: Awaited<ReturnType<typeof createProducer>>;
  let consumer: ReturnType<Kafka['consumer']>;
  const commands: ClearingCommandsMessage[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    await ensureTopics(TEST_KAFKA_BROKERS, prefix);
    prisma = servicesClient(db.url, 2);
    repo = new SettlementInstructionsRepository(prisma);
    const kafka = createKafka({ brokers: TEST_KAFKA_BROKERS, clientId: 'si-int', topicPrefix: prefix });
    producer = await createProducer(kafka);
    service = new SettlementInstructionsService(repo, producer, prefix);
    consumer = kafka.consumer({ groupId: `${prefix}-commands` });
    await consumer.connect();
    await consumer.subscribe({ topic: topicName('clearingCommands', prefix), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        // What the clearing service's consumer validates at its edge.
        commands.push(clearingCommandsMessageSchema.parse(JSON.parse(message.value!.toString())));
      },
    });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await prisma?.$disconnect();
    await deleteTestTopics(prefix);
    await db?.drop();
  });

  it('applies each clearing event once and shows every partner its own instructions only', async () => {
    const hk7 = instruction(7, 'hk-remit', 'pay-in', '10000');
    const mnl7 = instruction(7, 'mnl-payout', 'pay-out', '10000');
    const hk8 = instruction(8, 'hk-remit', 'pay-out', '2500');
    const mnl8 = instruction(8, 'mnl-payout', 'pay-in', '2500');
    const confirmed = event({
      type: 'instruction.confirmed',
      eventId: 'instruction.confirmed:w7.hk-remit:bank-1',
      instructionId: 'w7.hk-remit',
      windowId: 7,
      bankReference: 'bank-1',
      amountMinor: '4000',
      confirmedMinor: '4000',
      status: 'partially-confirmed',
    });
    await repo.apply([
      { event: created(hk7), publishedAtMs: T0 },
      { event: created(mnl7), publishedAtMs: T0 },
      { event: confirmed, publishedAtMs: T0 + 1000 },
      { event: created(hk8), publishedAtMs: T0 + 2000 },
      { event: created(mnl8), publishedAtMs: T0 + 2000 },
    ]);
    // Kafka delivers the confirmation again, and a copy of a created event: nothing changes twice.
    await repo.apply([
      { event: confirmed, publishedAtMs: T0 + 5000 },
      { event: created(hk7), publishedAtMs: T0 + 5000 },
    ]);
    await repo.apply([
      {
        event: event({
          type: 'instruction.cancelled',
          eventId: 'instruction.cancelled:w8.hk-remit',
          instruction: hk8,
          cancelledAt: new Date(T0 + 3000).toISOString(),
          carriedToWindowId: 9,
        }),
        publishedAtMs: T0 + 3000,
      },
    ]);

    const hk = await service.list('hk-remit', {});
    expect(hk.instructions.map((i) => [i.id, i.status, i.confirmed, i.outstanding])).toEqual([
      ['w8.hk-remit', 'cancelled', '0.00', '0.00'],
      ['w7.hk-remit', 'partially-confirmed', '40.00', '60.00'],
    ]);
    expect(hk.instructions[0]).toMatchObject({
      carriedToWindowId: 9,
      createdAt: new Date(T0 + 2000).toISOString(),
    });
    expect(hk.nextCursor).toBeNull();
    const mnl = await service.list('mnl-payout', {});
    expect(mnl.instructions.map((i) => i.id)).toEqual(['w8.mnl-payout', 'w7.mnl-payout']);
    expect((await service.list('sg-fx', {})).instructions).toEqual([]);

    // Filters and pages.
    expect((await service.list('hk-remit', { window: '7' })).instructions.map((i) => i.id)).toEqual([
      'w7.hk-remit',
    ]);
    expect((await service.list('hk-remit', { status: 'cancelled' })).instructions.map((i) => i.id)).toEqual([
      'w8.hk-remit',
    ]);
    expect((await service.list('hk-remit', { currency: 'PHP' })).instructions).toEqual([]);
    const page1 = await service.list('hk-remit', { limit: '1' });
    expect(page1.instructions.map((i) => i.id)).toEqual(['w8.hk-remit']);
    const page2 = await service.list('hk-remit', { limit: '1', cursor: page1.nextCursor! });
    expect(page2.instructions.map((i) => i.id)).toEqual(['w7.hk-remit']);
    expect(await refusal(service.list('hk-remit', { status: 'lost' }))).toBe('INVALID_QUERY');
    expect(await refusal(service.list('hk-remit', { cursor: 'not-a-cursor' }))).toBe('INVALID_QUERY');
    expect(await refusal(service.list('hk-remit', { participantId: 'mnl-payout' }))).toBe('INVALID_QUERY');
    expect(instructionsCsv(page2.instructions)).toBe(
      'id,windowId,participantId,currency,direction,amount,confirmed,outstanding,valueDate,status\r\n' +
        'w7.hk-remit,7,hk-remit,USD,pay-in,100.00,40.00,60.00,2027-01-16,partially-confirmed\r\n',
    );

    // One by id, with its confirmations; anyone else's is not found.
    expect(await service.get('hk-remit', 'w7.hk-remit')).toMatchObject({
      confirmations: [{ bankReference: 'bank-1', amount: '40.00', status: 'confirmed', source: 'operator' }],
    });
    expect(await refusal(service.get('mnl-payout', 'w7.hk-remit'))).toBe('NOT_FOUND');
    expect(await refusal(service.get('hk-remit', 'w7.nobody'))).toBe('NOT_FOUND');
    expect(await prisma.gatewayClearingEvent.count()).toBe(6);
  });

  it("sends a payee's confirmation to clearing once per bank reference, and shows clearing's answer", async () => {
    const id = 'w7.mnl-payout';
    expect(await refusal(service.confirm('mnl-payout', id, { bankReference: 'mnl 1', amount: 40 }))).toBe(
      'INVALID_BODY',
    );
    expect(
      await refusal(service.confirm('mnl-payout', id, { bankReference: 'mnl-1', amount: '40.001' })),
    ).toBe('INVALID_BODY');
    expect(
      await refusal(service.confirm('mnl-payout', id, { bankReference: 'mnl-1', amount: '100.01' })),
    ).toBe('OVER_CONFIRMATION');
    // A payer's own word that it paid is not a confirmation; another partner's instruction is not found.
    expect(
      await refusal(service.confirm('hk-remit', 'w7.hk-remit', { bankReference: 'x', amount: '1.00' })),
    ).toBe('PAY_IN_NOT_CONFIRMABLE');
    expect(await refusal(service.confirm('hk-remit', id, { bankReference: 'x', amount: '1.00' }))).toBe(
      'NOT_FOUND',
    );
    expect(
      await refusal(service.confirm('mnl-payout', 'w8.mnl-payout', { bankReference: 'x', amount: '1.00' })),
    ).toBe('PAY_IN_NOT_CONFIRMABLE');

    const first = await service.confirm('mnl-payout', id, { bankReference: 'mnl-1', amount: '40.00' });
    expect(first.sent).toBe(true);
    expect(first.view.confirmations).toEqual([
      expect.objectContaining({
        bankReference: 'mnl-1',
        amount: '40.00',
        status: 'requested',
        source: 'participant',
      }),
    ]);
    // Clearing has not answered yet: the same request is sent again (the first send may have been lost).
    expect((await service.confirm('mnl-payout', id, { bankReference: 'mnl-1', amount: '40.00' })).sent).toBe(
      true,
    );
    expect(
      await refusal(service.confirm('mnl-payout', id, { bankReference: 'mnl-1', amount: '41.00' })),
    ).toBe('CONFIRMATION_CONFLICT');
    await service.confirm('mnl-payout', id, { bankReference: 'mnl-2', amount: '70.00' });
    await eventually(async () => (commands.length >= 3 ? true : undefined), 20_000, 'the commands');
    expect(commands).toEqual([
      {
        v: 1,
        type: 'confirm-settlement',
        requestId: 'w7.mnl-payout:mnl-1',
        instructionId: id,
        participantId: 'mnl-payout',
        bankReference: 'mnl-1',
        amountMinor: '4000',
      },
      expect.objectContaining({ requestId: 'w7.mnl-payout:mnl-1' }),
      expect.objectContaining({ requestId: 'w7.mnl-payout:mnl-2', amountMinor: '7000' }),
    ]);

    // Clearing records the first and refuses the second (40 + 70 is more than 100).
    await repo.apply([
      {
        event: event({
          type: 'instruction.confirmed',
          eventId: 'instruction.confirmed:w7.mnl-payout:mnl-1',
          instructionId: id,
          windowId: 7,
          bankReference: 'mnl-1',
          amountMinor: '4000',
          confirmedMinor: '4000',
          status: 'partially-confirmed',
          source: 'participant',
        }),
        publishedAtMs: T0 + 10_000,
      },
      {
        event: event({
          type: 'confirmation.refused',
          eventId: 'confirmation.refused:w7.mnl-payout:mnl-2',
          requestId: 'w7.mnl-payout:mnl-2',
          instructionId: id,
          participantId: 'mnl-payout',
          bankReference: 'mnl-2',
          amountMinor: '7000',
          code: 'OVER_CONFIRMATION',
          detail: 'confirming 7000 would exceed the instruction',
        }),
        publishedAtMs: T0 + 11_000,
      },
    ]);
    const after = await service.get('mnl-payout', id);
    expect(after).toMatchObject({ status: 'partially-confirmed', confirmed: '40.00', outstanding: '60.00' });
    expect(after.confirmations).toEqual([
      expect.objectContaining({ bankReference: 'mnl-1', status: 'confirmed', source: 'participant' }),
      expect.objectContaining({
        bankReference: 'mnl-2',
        status: 'refused',
        refusal: { code: 'OVER_CONFIRMATION', detail: 'confirming 7000 would exceed the instruction' },
      }),
    ]);
    // Now recorded: the same request again answers it as it stands and sends nothing.
    expect((await service.confirm('mnl-payout', id, { bankReference: 'mnl-1', amount: '40.00' })).sent).toBe(
      false,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(commands).toHaveLength(3);
    // hk-remit sees none of this.
    expect((await service.get('hk-remit', 'w7.hk-remit')).confirmations.map((c) => c.bankReference)).toEqual([
      'bank-1',
    ]);
  });
});
