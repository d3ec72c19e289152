import { clearingEventSchema, ClearingEvent } from '@concord/contracts';
import { settlementWebhookEventSchema } from '@concord/contracts';
import {
  KnownInstruction,
  settlementDeliveries,
  settlementDeliveryId,
  settlementEventId,
  settlementEventOf,
  SettlementEventOutcome,
} from './settlement-events';
import { deliveryId } from './webhook-events';
import { createWebhookSchema } from '@concord/contracts';
import { toDeliveryView } from './webhooks.dto';

/**
 * Events exactly as the clearing service writes them (apps/clearing/src/windows/window.state.ts,
 * instructions/instruction.state.ts and positions/limit-alarm.ts).
 */
const created = (participantId: string, amountMinor: string, direction: 'pay-in' | 'pay-out') =>
  clearingEventSchema.parse({
    v: 1,
    type: 'instruction.created',
    eventId: `instruction.created:w7.${participantId}`,
    instruction: {
      instructionId: `w7.${participantId}`,
      windowId: 7,
      participantId,
      currency: 'USD',
      direction,
      amountMinor,
      valueDate: '2027-01-16',
    },
  });

const confirmation = (
  type: 'instruction.confirmed' | 'instruction.reversed',
  instructionId: string,
  bankReference: string,
  amountMinor: string,
  confirmedMinor: string,
  status: 'pending' | 'partially-confirmed' | 'confirmed',
  windowId = 7,
) =>
  clearingEventSchema.parse({
    v: 1,
    type,
    eventId: `${type}:${instructionId}:${bankReference}`,
    instructionId,
    windowId,
    bankReference,
    amountMinor,
    confirmedMinor,
    status,
  });

const hkInstruction: KnownInstruction = {
  id: 'w7.hk-remit',
  windowId: 7,
  participantId: 'hk-remit',
  currency: 'USD',
  direction: 'pay-in',
  amountMinor: '8000',
  valueDate: '2027-01-16',
};
const known = new Map([[hkInstruction.id, hkInstruction]]);

const subs = [
  {
    id: 'wh_hk',
    participantId: 'hk-remit',
    events: ['settlement.instruction.created', 'settlement.instruction.confirmed'],
  },
  {
    id: 'wh_hk_all',
    participantId: 'hk-remit',
    events: ['transfer.committed', 'settlement.instruction.created'],
  },
  {
    id: 'wh_mnl',
    participantId: 'mnl-payout',
    events: [
      'settlement.instruction.created',
      'settlement.instruction.confirmed',
      'settlement.instruction.reversed',
    ],
  },
];

const asEvent = (o: SettlementEventOutcome) => {
  if (o.kind !== 'event') throw new Error(`expected an event, got ${o.kind}`);
  return o;
};

describe('settlement webhooks from clearing events', () => {
  it('shows a created instruction with decimal amounts, direction, value date and window', () => {
    const event = asEvent(settlementEventOf(created('hk-remit', '8000', 'pay-in'), new Map()));
    expect(event).toEqual({
      kind: 'event',
      type: 'settlement.instruction.created',
      participantId: 'hk-remit',
      subjectId: 'w7.hk-remit',
      data: {
        id: 'w7.hk-remit',
        windowId: 7,
        participantId: 'hk-remit',
        currency: 'USD',
        direction: 'pay-in',
        amount: '80.00',
        confirmed: '0.00',
        outstanding: '80.00',
        valueDate: '2027-01-16',
        status: 'pending',
      },
    });
  });

  it('shows a confirmation and a reversal with the totals after them, from the remembered instruction', () => {
    const confirmed = asEvent(
      settlementEventOf(
        confirmation('instruction.confirmed', 'w7.hk-remit', 'b-1', '5000', '5000', 'partially-confirmed'),
        known,
      ),
    );
    expect(confirmed).toMatchObject({ type: 'settlement.instruction.confirmed', participantId: 'hk-remit' });
    expect(confirmed.data).toEqual({
      ...confirmed.data,
      amount: '80.00',
      confirmed: '50.00',
      outstanding: '30.00',
      status: 'partially-confirmed',
      confirmation: { bankReference: 'b-1', amount: '50.00' },
    });
    const reversed = asEvent(
      settlementEventOf(
        confirmation('instruction.reversed', 'w7.hk-remit', 'b-1', '5000', '0', 'pending'),
        known,
      ),
    );
    expect(reversed.type).toBe('settlement.instruction.reversed');
    expect(reversed.data).toMatchObject({
      confirmed: '0.00',
      outstanding: '80.00',
      status: 'pending',
      confirmation: { bankReference: 'b-1', amount: '50.00' },
    });
  });

  it('sends nothing for an instruction it never saw created, or of another window, and ignores other events', () => {
    expect(
      settlementEventOf(
        confirmation('instruction.confirmed', 'w7.sg-fx', 'b-2', '100', '100', 'confirmed'),
        known,
      ),
    ).toEqual({ kind: 'unroutable', instructionId: 'w7.sg-fx' });
    expect(
      settlementEventOf(
        confirmation('instruction.confirmed', 'w7.hk-remit', 'b-2', '100', '100', 'partially-confirmed', 8),
        known,
      ).kind,
    ).toBe('unroutable');
    const settled: ClearingEvent = clearingEventSchema.parse({
      v: 1,
      type: 'window.settled',
      eventId: 'window.settled:7',
      windowId: 7,
      currency: 'USD',
      settledAt: '2027-01-16T10:00:00.000Z',
      instructions: [],
    });
    expect(settlementEventOf(settled, known)).toEqual({ kind: 'ignored' });
  });

  it("makes a limit alarm the account owner's webhook, with decimal position, cap and threshold", () => {
    const alarm: ClearingEvent = clearingEventSchema.parse({
      v: 1,
      type: 'limit.alarm',
      eventId: 'limit.alarm:x',
      participantId: 'hk-remit',
      currency: 'USD',
      accountId: 'hk-remit/USD',
      height: 3,
      positionMinor: '-90000',
      capMinor: '100000',
      thresholdMinor: '-80000',
    });
    const event = asEvent(settlementEventOf(alarm, new Map()));
    expect(event).toEqual({
      kind: 'event',
      type: 'limit.alarm',
      participantId: 'hk-remit',
      subjectId: 'hk-remit/USD',
      data: {
        accountId: 'hk-remit/USD',
        participantId: 'hk-remit',
        currency: 'USD',
        position: '-900.00',
        cap: '1000.00',
        threshold: '-800.00',
        blockHeight: 3,
      },
    });
    const deliveries = settlementDeliveries(event, 'limit.alarm:x', Date.parse('2027-01-15T17:00:00Z'), [
      { id: 'wh_1', participantId: 'hk-remit', events: ['limit.alarm'] },
      { id: 'wh_2', participantId: 'hk-remit', events: ['transfer.committed'] },
      { id: 'wh_3', participantId: 'mnl-payout', events: ['limit.alarm'] },
    ]);
    expect(deliveries.map((d) => [d.webhookId, d.event, d.transferId])).toEqual([
      ['wh_1', 'limit.alarm', 'hk-remit/USD'],
    ]);
    expect(JSON.parse(deliveries[0].payload)).toMatchObject({
      type: 'limit.alarm',
      data: { position: '-900.00' },
    });
  });

  it("delivers only to the instruction's participant, once per subscription that asked for the type", () => {
    const event = asEvent(settlementEventOf(created('hk-remit', '8000', 'pay-in'), new Map()));
    const at = Date.parse('2027-01-15T17:00:00.123Z');
    const deliveries = settlementDeliveries(event, 'instruction.created:w7.hk-remit', at, subs);
    expect(deliveries.map((d) => d.webhookId).sort()).toEqual(['wh_hk', 'wh_hk_all']);
    for (const d of deliveries) {
      expect(d).toMatchObject({
        id: settlementDeliveryId(d.webhookId, 'instruction.created:w7.hk-remit'),
        participantId: 'hk-remit',
        eventId: settlementEventId('hk-remit', 'instruction.created:w7.hk-remit'),
        event: 'settlement.instruction.created',
        transferId: 'w7.hk-remit',
        blockHeight: 0,
      });
      const payload = settlementWebhookEventSchema.parse(JSON.parse(d.payload));
      expect(payload).toEqual({
        id: d.eventId,
        type: 'settlement.instruction.created',
        createdAt: '2027-01-15T17:00:00.123Z',
        data: event.data,
      });
    }
    // mnl-payout subscribed to every settlement event and still gets nothing of hk-remit's.
    const mnl = asEvent(settlementEventOf(created('mnl-payout', '8000', 'pay-out'), new Map()));
    expect(
      settlementDeliveries(mnl, 'instruction.created:w7.mnl-payout', at, subs).map((d) => d.webhookId),
    ).toEqual(['wh_mnl']);
    // hk-remit did not ask for reversals.
    const reversed = asEvent(
      settlementEventOf(
        confirmation('instruction.reversed', 'w7.hk-remit', 'b-1', '5000', '0', 'pending'),
        known,
      ),
    );
    expect(settlementDeliveries(reversed, 'instruction.reversed:w7.hk-remit:b-1', at, subs)).toEqual([]);
  });

  it('derives ids from the clearing event id: the same event gives the same ids, another event others', () => {
    const event = asEvent(settlementEventOf(created('hk-remit', '8000', 'pay-in'), new Map()));
    const first = settlementDeliveries(event, 'instruction.created:w7.hk-remit', 1, subs);
    const again = settlementDeliveries(event, 'instruction.created:w7.hk-remit', 2, subs);
    expect(again.map((d) => d.id)).toEqual(first.map((d) => d.id));
    const other = settlementDeliveries(event, 'instruction.created:w8.hk-remit', 1, subs);
    expect(other.map((d) => d.id).some((id) => first.some((f) => f.id === id))).toBe(false);
    for (const d of first) {
      expect(d.id).toMatch(/^dlv_[0-9a-f]{32}$/);
      expect(d.eventId).toMatch(/^evt_[0-9a-f]{32}$/);
      // Never the id of a transfer delivery, even for a transfer named like the clearing event.
      expect(d.id).not.toBe(deliveryId(d.webhookId, 'instruction.created:w7.hk-remit', 'committed'));
    }
  });

  it('accepts the settlement events in subscriptions and shows the instruction in the delivery log', () => {
    expect(
      createWebhookSchema.safeParse({
        url: 'https://hooks.example/concord',
        events: ['settlement.instruction.created', 'settlement.instruction.confirmed', 'transfer.committed'],
      }).success,
    ).toBe(true);
    expect(
      createWebhookSchema.safeParse({
        url: 'https://hooks.example/concord',
        events: ['settlement.window.settled'],
      }).success,
    ).toBe(false);
    const row = {
      id: 'dlv_1',
      eventId: 'evt_1',
      transferId: 'w7.hk-remit',
      blockHeight: 0,
      status: 'delivered',
      attempts: 1,
      createdAt: new Date('2027-01-15T17:00:00Z'),
      deliveredAt: null,
    };
    const settlement = toDeliveryView({ ...row, event: 'settlement.instruction.created' }, []);
    expect(settlement).toMatchObject({ instructionId: 'w7.hk-remit' });
    expect(settlement).not.toHaveProperty('transferId');
    expect(settlement).not.toHaveProperty('blockHeight');
    const transfer = toDeliveryView(
      { ...row, event: 'transfer.committed', transferId: 't-1', blockHeight: 4 },
      [],
    );
    expect(transfer).toMatchObject({ transferId: 't-1', blockHeight: 4 });
    expect(transfer).not.toHaveProperty('instructionId');
  });
});
