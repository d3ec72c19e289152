import pino from 'pino';
import { Registry } from 'prom-client';
import { ClearingEvent, clearingEventSchema } from '@concord/contracts';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import type { InstructionEvent } from '../settlement/settlement-instructions.repository';
import { knownInstruction, KnownInstruction } from './settlement-events';
import { SettlementWebhooksService } from './settlement-webhooks.service';
import type { NewDelivery, Subscription } from './webhook-events';
import type { WebhooksRepository } from './webhooks.repository';

/** The service against in-memory stand-ins of its two repositories (same contracts: ids are unique). */
function setup() {
  const subscriptions: Subscription[] = [
    {
      id: 'wh_hk',
      participantId: 'hk-remit',
      events: [
        'settlement.instruction.created',
        'settlement.instruction.confirmed',
        'settlement.instruction.cancelled',
      ],
    },
    { id: 'wh_mnl', participantId: 'mnl-payout', events: ['settlement.instruction.created'] },
  ];
  const stored = new Map<string, NewDelivery>();
  const webhooks = {
    subscriptionsOf: async (ids: readonly string[]) =>
      subscriptions.filter((s) => ids.includes(s.participantId)),
    insertDeliveries: async (deliveries: readonly NewDelivery[]) => {
      const written: string[] = [];
      for (const d of deliveries) {
        if (stored.has(d.id)) continue;
        stored.set(d.id, d);
        written.push(d.id);
      }
      return written;
    },
  } as unknown as WebhooksRepository;
  // The instructions table: what the created events stored.
  const remembered = new Map<string, KnownInstruction>();
  const instructions = {
    apply: async (messages: readonly InstructionEvent[]) => {
      for (const { event } of messages)
        if (event.type === 'instruction.created')
          remembered.set(event.instruction.instructionId, knownInstruction(event.instruction));
    },
    known: async (ids: readonly string[]) =>
      new Map(ids.filter((id) => remembered.has(id)).map((id) => [id, remembered.get(id)!])),
  };
  const queued: string[][] = [];
  const registry = new Registry();
  const service = new SettlementWebhooksService(
    webhooks,
    instructions,
    async (ids) => void queued.push(ids),
    pino({ level: 'silent' }),
    new GatewayMetrics(registry),
  );
  const results = async () =>
    Object.fromEntries(
      (
        (await registry.getMetricsAsJSON()).find((m) => m.name === 'gateway_clearing_events_total')?.values ??
        []
      ).map((v) => [`${v.labels.type} ${v.labels.result}`, v.value]),
    );
  return { service, stored, queued, remembered, results };
}

const created = (participantId: string): ClearingEvent =>
  clearingEventSchema.parse({
    v: 1,
    type: 'instruction.created',
    eventId: `instruction.created:w3.${participantId}`,
    instruction: {
      instructionId: `w3.${participantId}`,
      windowId: 3,
      participantId,
      currency: 'USD',
      direction: 'pay-in',
      amountMinor: '10000',
      valueDate: '2027-01-16',
    },
  });

const confirmed = (instructionId: string, bankReference: string): ClearingEvent =>
  clearingEventSchema.parse({
    v: 1,
    type: 'instruction.confirmed',
    eventId: `instruction.confirmed:${instructionId}:${bankReference}`,
    instructionId,
    windowId: 3,
    bankReference,
    amountMinor: '4000',
    confirmedMinor: '4000',
    status: 'partially-confirmed',
  });

const at = (event: ClearingEvent, publishedAtMs = 1_800_000_000_000) => ({ event, publishedAtMs });

describe('settlement webhooks service', () => {
  it('writes and queues one delivery per subscription of the instruction participant, and none again on redelivery', async () => {
    const { service, stored, queued, results } = setup();
    await service.take([at(created('hk-remit')), at(created('mnl-payout')), at(created('sg-fx'))]);
    expect([...stored.values()].map((d) => [d.webhookId, d.participantId, d.transferId]).sort()).toEqual([
      ['wh_hk', 'hk-remit', 'w3.hk-remit'],
      ['wh_mnl', 'mnl-payout', 'w3.mnl-payout'],
    ]);
    expect(queued).toEqual([[...stored.keys()]]);
    // The outbox publishes again after a crash: the same events, later, change nothing.
    await service.take([at(created('hk-remit'), 1_800_000_100_000), at(created('mnl-payout'))]);
    expect(stored.size).toBe(2);
    expect(queued).toHaveLength(1);
    expect(await results()).toEqual({
      'instruction.created queued': 2,
      'instruction.created unsubscribed': 1,
      'instruction.created duplicate': 2,
    });
  });

  it('counts a copy of an event inside the same batch as a duplicate', async () => {
    const { service, stored, queued, results } = setup();
    await service.take([at(created('hk-remit')), at(created('hk-remit'))]);
    expect(stored.size).toBe(1);
    expect(queued).toEqual([[...stored.keys()]]);
    expect(await results()).toEqual({ 'instruction.created queued': 1, 'instruction.created duplicate': 1 });
  });

  it('routes a later confirmation by the instruction remembered at its creation, and drops unknown ones', async () => {
    const { service, stored, remembered, results } = setup();
    await service.take([at(created('hk-remit'))]);
    expect(remembered.get('w3.hk-remit')).toMatchObject({ participantId: 'hk-remit', amountMinor: '10000' });
    await service.take([at(confirmed('w3.hk-remit', 'b-1')), at(confirmed('w3.nobody', 'b-2'))]);
    const confirmation = [...stored.values()].find((d) => d.event === 'settlement.instruction.confirmed')!;
    expect(confirmation).toMatchObject({ webhookId: 'wh_hk', participantId: 'hk-remit' });
    expect(JSON.parse(confirmation.payload).data).toMatchObject({
      amount: '100.00',
      confirmed: '40.00',
      outstanding: '60.00',
      confirmation: { bankReference: 'b-1', amount: '40.00' },
    });
    expect(await results()).toMatchObject({
      'instruction.confirmed queued': 1,
      'instruction.confirmed unroutable': 1,
    });
  });

  it('takes a creation and its confirmation in one batch', async () => {
    const { service, stored } = setup();
    await service.take([at(created('hk-remit')), at(confirmed('w3.hk-remit', 'b-1'))]);
    expect([...stored.values()].map((d) => d.event).sort()).toEqual([
      'settlement.instruction.confirmed',
      'settlement.instruction.created',
    ]);
  });

  it('tells the participant its instruction of an aborted window is cancelled, and nobody else', async () => {
    const { service, stored, results } = setup();
    const cancelled = (participantId: string): ClearingEvent =>
      clearingEventSchema.parse({
        v: 1,
        type: 'instruction.cancelled',
        eventId: `instruction.cancelled:w3.${participantId}`,
        instruction: (created(participantId) as Extract<ClearingEvent, { type: 'instruction.created' }>)
          .instruction,
        cancelledAt: '2027-01-15T10:00:00.000Z',
        carriedToWindowId: 5,
      });
    await service.take([at(cancelled('hk-remit')), at(cancelled('mnl-payout')), at(cancelled('hk-remit'))]);
    // mnl-payout did not subscribe to cancellations; the copy of hk-remit's event sends nothing more.
    expect([...stored.values()].map((d) => [d.webhookId, d.event, d.transferId])).toEqual([
      ['wh_hk', 'settlement.instruction.cancelled', 'w3.hk-remit'],
    ]);
    expect(JSON.parse([...stored.values()][0].payload)).toMatchObject({
      type: 'settlement.instruction.cancelled',
      data: {
        id: 'w3.hk-remit',
        participantId: 'hk-remit',
        amount: '100.00',
        confirmed: '0.00',
        outstanding: '0.00',
        status: 'cancelled',
        carriedToWindowId: 5,
      },
    });
    expect(await results()).toEqual({
      'instruction.cancelled queued': 1,
      'instruction.cancelled unsubscribed': 1,
      'instruction.cancelled duplicate': 1,
    });
  });
});
