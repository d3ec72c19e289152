import type { FinalizedBlock, TransferOutcome } from '@concord/contracts';
import type { TransferRow } from '../transfers/transfers.repository';
import { deliveriesForBlock, deliveryId, eventId, WebhookPayload } from './webhook-events';
import { createWebhookSchema } from '@concord/contracts';

function blockOf(
  height: number,
  outcomes: TransferOutcome[],
  blockTimeMs = 1_800_000_000_000,
): FinalizedBlock {
  return {
    v: 1,
    header: {
      chainId: 'test',
      height,
      prevHash: '0'.repeat(64),
      entriesRoot: '0'.repeat(64),
      stateRoot: '0'.repeat(64),
      blockTimeMs,
      entryCount: outcomes.length,
      firstOffset: '0',
      lastOffset: '0',
    },
    headerHash: '1'.repeat(64),
    certificate: [],
    outcomes,
    participants: [],
    accounts: [],
    moves: [],
    proposals: [],
    postings: [],
  };
}

const outcome = (o: Partial<TransferOutcome> & { transferId: string }): TransferOutcome => ({
  status: 'committed',
  payer: 'hk-remit',
  payee: 'mnl-payout',
  amountMinor: '12550',
  currency: 'USD',
  ...o,
});

const row = (id: string, r: Partial<TransferRow> = {}): TransferRow => ({
  id,
  participantId: 'hk-remit',
  payer: 'hk-remit',
  payee: 'mnl-payout',
  amountMinor: 12550n,
  currency: 'USD',
  twoPhase: false,
  requestHash: 'h',
  status: 'committed',
  reason: null,
  blockHeight: 5,
  createdAt: new Date('2027-01-15T08:00:00Z'),
  updatedAt: new Date('2027-01-15T08:00:01Z'),
  finalizedAt: new Date('2027-01-15T08:00:01Z'),
  ...r,
});

describe('deliveries of a finalized block', () => {
  const subs = [
    { id: 'wh_payer', participantId: 'hk-remit', events: ['transfer.committed', 'transfer.rejected'] },
    { id: 'wh_payee', participantId: 'mnl-payout', events: ['transfer.committed'] },
    { id: 'wh_other', participantId: 'sg-fx', events: ['transfer.committed'] },
  ];

  it('makes one delivery per matching subscription of the payer and the payee, with the transfer view', () => {
    const block = blockOf(5, [outcome({ transferId: 't-1' })]);
    const deliveries = deliveriesForBlock(block, subs, new Map([['hk-remit/t-1', row('t-1')]]));
    expect(deliveries.map((d) => d.webhookId).sort()).toEqual(['wh_payee', 'wh_payer']);
    const toPayer = deliveries.find((d) => d.webhookId === 'wh_payer')!;
    expect(toPayer).toMatchObject({
      id: deliveryId('wh_payer', 'hk-remit/t-1', 'committed'),
      eventId: eventId('hk-remit', 'hk-remit/t-1', 'committed'),
      event: 'transfer.committed',
      transferId: 't-1',
      blockHeight: 5,
      participantId: 'hk-remit',
    });
    const payload = JSON.parse(toPayer.payload) as WebhookPayload;
    expect(payload).toEqual({
      id: toPayer.eventId,
      type: 'transfer.committed',
      createdAt: new Date(1_800_000_000_000).toISOString(),
      data: expect.objectContaining({
        id: 't-1',
        status: 'committed',
        amount: '125.50',
        currency: 'USD',
        payer: 'hk-remit',
        payee: 'mnl-payout',
        blockHeight: 5,
      }),
    });
  });

  it('is deterministic: the same block gives the same ids and bodies (so re-applying sends nothing new)', () => {
    const block = blockOf(5, [
      outcome({ transferId: 't-1' }),
      outcome({ transferId: 't-2', status: 'rejected', reason: 'INSUFFICIENT_FUNDS' }),
    ]);
    const rows = new Map([['hk-remit/t-1', row('t-1')]]);
    expect(deliveriesForBlock(block, subs, rows)).toEqual(deliveriesForBlock(block, subs, rows));
    const ids = deliveriesForBlock(block, subs, rows).map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("keeps two payers' transfers of one id apart: each party gets its own, with its own row", () => {
    const block = blockOf(5, [
      outcome({ transferId: 't-1' }),
      outcome({ transferId: 't-1', payer: 'sg-fx', amountMinor: '900' }),
    ]);
    const rows = new Map([
      ['hk-remit/t-1', row('t-1')],
      ['sg-fx/t-1', row('t-1', { participantId: 'sg-fx', payer: 'sg-fx', amountMinor: 900n })],
    ]);
    const deliveries = deliveriesForBlock(block, subs, rows);
    const seen = deliveries.map((d) => [d.webhookId, JSON.parse(d.payload).data.amount]).sort();
    // The payee hears of both; each payer only of its own.
    expect(seen).toEqual([
      ['wh_other', '9.00'],
      ['wh_payee', '125.50'],
      ['wh_payee', '9.00'],
      ['wh_payer', '125.50'],
    ]);
    expect(new Set(deliveries.map((d) => d.id)).size).toBe(4);
  });

  it('sends only the subscribed events, and a rejection with its reason', () => {
    const block = blockOf(6, [
      outcome({ transferId: 't-2', status: 'rejected', reason: 'INSUFFICIENT_FUNDS' }),
    ]);
    const deliveries = deliveriesForBlock(block, subs, new Map());
    expect(deliveries.map((d) => d.webhookId)).toEqual(['wh_payer']);
    expect(JSON.parse(deliveries[0].payload).data).toMatchObject({
      status: 'rejected',
      reason: 'INSUFFICIENT_FUNDS',
    });
  });

  it('counts a refused instruction only when it settled a submission of this gateway, to its real parties', () => {
    const refused = outcome({
      transferId: 't-3',
      status: 'rejected',
      reason: 'SIGNATURE_TOO_OLD',
      refusal: true,
      payee: 'sg-fx',
    });
    const settled = row('t-3', { status: 'rejected', reason: 'SIGNATURE_TOO_OLD', blockHeight: 7 });
    expect(
      deliveriesForBlock(blockOf(7, [refused]), subs, new Map([['hk-remit/t-3', settled]])).map(
        (d) => d.webhookId,
      ),
    ).toEqual(['wh_payer']);
    // The row was committed earlier: a forged or stale copy changes nothing and tells no one.
    const committed = row('t-3', { status: 'committed', blockHeight: 3 });
    expect(deliveriesForBlock(blockOf(7, [refused]), subs, new Map([['hk-remit/t-3', committed]]))).toEqual(
      [],
    );
    expect(deliveriesForBlock(blockOf(7, [refused]), subs, new Map())).toEqual([]);
  });

  it('describes transfers that did not come through this gateway from the outcome', () => {
    const block = blockOf(1, [
      outcome({ transferId: 'genesis-funds-0', payer: 'hub', payee: 'mnl-payout', amountMinor: '100000' }),
    ]);
    const [d] = deliveriesForBlock(block, subs, new Map());
    expect(JSON.parse(d.payload).data).toMatchObject({
      id: 'genesis-funds-0',
      payer: 'hub',
      amount: '1000.00',
      twoPhase: false,
    });
  });
});

describe('webhook subscription body', () => {
  const ok = { url: 'https://partner.example/hooks', events: ['transfer.committed'] };

  it('takes an http(s) URL and known events', () => {
    expect(createWebhookSchema.safeParse(ok).success).toBe(true);
    expect(createWebhookSchema.safeParse({ ...ok, url: 'http://127.0.0.1:8080/x' }).success).toBe(true);
  });

  it.each([
    [{ ...ok, url: 'ftp://partner.example/x' }, 'url'],
    [{ ...ok, url: 'javascript:alert(1)' }, 'url'],
    [{ ...ok, url: 'not a url' }, 'url'],
    [{ ...ok, url: 'https://user:pw@partner.example/' }, 'url'],
    [{ ...ok, events: [] }, 'events'],
    [{ ...ok, events: ['transfer.created'] }, 'events.0'],
    [{ ...ok, events: ['transfer.committed', 'transfer.committed'] }, 'events'],
    [{ ...ok, secret: 'mine' }, ''],
    [{ url: ok.url }, 'events'],
  ])('refuses %j (%s)', (body, field) => {
    const parsed = createWebhookSchema.safeParse(body);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain(field);
  });
});
