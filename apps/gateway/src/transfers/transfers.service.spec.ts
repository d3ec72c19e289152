import fc from 'fast-check';
import type { Producer } from 'kafkajs';
import { ID_PATTERN, type TransferInstruction } from '@concord/contracts';
import { canonicalJson } from '@concord/crypto';
import type { AuthenticatedRequest } from '../auth/auth.service';
import type { KnownParticipant, ParticipantsRepository } from '../auth/participants.repository';
import type { InsertResult, NewTransfer, TransferRow, TransfersRepository } from './transfers.repository';
import { requestHashText, TransfersService } from './transfers.service';

const member = (id: string): KnownParticipant => ({
  id,
  name: id,
  keys: new Map([[`${id}-1`, '00'.repeat(32)]]),
  currencies: ['USD'],
  status: 'active',
});

/** A repository of our own interface that stores rows in memory and counts the reads after inserts. */
class FakeRepository {
  readonly rows = new Map<string, TransferRow>();
  reads = 0;

  async insertManyOrGet(transfers: NewTransfer[]): Promise<InsertResult> {
    const created = new Set<string>();
    for (const t of transfers) {
      if (this.rows.has(t.id)) continue;
      const now = new Date('2026-12-04T00:00:00.000Z');
      this.rows.set(t.id, {
        ...t,
        status: 'accepted',
        reason: null,
        blockHeight: null,
        createdAt: now,
        updatedAt: now,
        finalizedAt: null,
      });
      created.add(t.id);
    }
    return { rows: new Map(transfers.map((t) => [t.id, this.rows.get(t.id)!])), created };
  }

  async insertOrGet(transfer: NewTransfer): Promise<{ row: TransferRow; created: boolean }> {
    const { rows, created } = await this.insertManyOrGet([transfer]);
    return { row: rows.get(transfer.id)!, created: created.has(transfer.id) };
  }

  async findMany(ids: string[]): Promise<TransferRow[]> {
    this.reads += 1;
    return ids.flatMap((id) => (this.rows.has(id) ? [this.rows.get(id)!] : []));
  }
}

function setUp() {
  const repository = new FakeRepository();
  const participants = { get: (id: string) => member(id) } as unknown as ParticipantsRepository;
  let sent = () => undefined as void;
  const delivered = new Promise<void>((resolve) => (sent = resolve));
  const producer = {
    send: async () => {
      sent();
      return [];
    },
  } as unknown as Producer;
  const service = new TransfersService(
    repository as unknown as TransfersRepository,
    participants,
    producer,
    'spec',
  );
  const write = (body: object): AuthenticatedRequest => ({
    participant: member('alpha'),
    keyId: 'alpha-1',
    created: 0,
    signature: 'x',
    signed: {
      method: 'POST',
      path: '/v1/transfers',
      query: '',
      body: JSON.stringify(body),
      created: 0,
      keyId: 'alpha-1',
    },
  });
  return { repository, service, write, delivered };
}

const outcome = (transferId: string, status: string, extra: object = {}) => ({
  transferId,
  status,
  payer: 'alpha',
  payee: 'beta',
  amountMinor: '100',
  currency: 'USD',
  ...extra,
});
const block = (height: number, outcomes: object[]) =>
  ({ header: { height }, outcomes }) as unknown as Parameters<TransfersService['notify']>[0];

describe('TransfersService long-poll', () => {
  const body = { id: 't-1', payer: 'alpha', payee: 'beta', amount: '1.00', currency: 'USD', twoPhase: true };

  it('answers with the state the blocks brought, without reading the row again', async () => {
    const { repository, service, write, delivered } = setUp();
    const answer = service.submit(write(body), 5_000);
    await delivered;
    const at = new Date('2026-12-04T00:00:01.234Z');
    service.notify(block(7, [outcome('t-1', 'reserved')]), at);
    const { view } = await answer;
    expect(view).toMatchObject({
      id: 't-1',
      status: 'reserved',
      blockHeight: 7,
      finalizedAt: at.toISOString(),
    });
    expect(repository.reads).toBe(0);
  });

  it('keeps the last real state when a later refusal in the same lot names the id', async () => {
    const { service, write, delivered } = setUp();
    const answer = service.submit(write(body), 5_000);
    await delivered;
    const at = new Date('2026-12-04T00:00:02.000Z');
    // One application of three blocks: reserved, aborted, then a late fulfil refused as NOT_RESERVED.
    service.notify(block(7, [outcome('t-1', 'reserved')]), at);
    service.notify(block(8, [outcome('t-1', 'aborted')]), at);
    service.notify(block(9, [outcome('t-1', 'rejected', { reason: 'NOT_RESERVED', refusal: true })]), at);
    const { view } = await answer;
    expect(view).toMatchObject({ status: 'aborted', blockHeight: 8 });
  });

  it('takes a refusal of a transfer that never got a state, and a state over a refusal in one block', async () => {
    const { service, write, delivered } = setUp();
    const answer = service.submit(write({ ...body, id: 't-2' }), 5_000);
    await delivered;
    const at = new Date('2026-12-04T00:00:03.000Z');
    service.notify(
      block(4, [outcome('t-2', 'rejected', { reason: 'INVALID_SIGNATURE', refusal: true })]),
      at,
    );
    expect((await answer).view).toMatchObject({
      status: 'rejected',
      reason: 'INVALID_SIGNATURE',
      blockHeight: 4,
    });

    const second = setUp();
    const next = second.service.submit(second.write({ ...body, id: 't-3' }), 5_000);
    await second.delivered;
    second.service.notify(
      block(5, [outcome('t-3', 'rejected', { reason: 'X', refusal: true }), outcome('t-3', 'committed')]),
      at,
    );
    expect((await next).view).toMatchObject({ status: 'committed', blockHeight: 5 });
  });

  it('answers every request that waits for the same transfer, also after one of them gave up', async () => {
    const { repository, service, write, delivered } = setUp();
    const patient = [service.submit(write({ ...body, id: 't-5' }), 5_000)];
    await delivered;
    // Retries of the same transfer while the first request waits: one gives up early, two wait on.
    const hasty = service.submit(write({ ...body, id: 't-5' }), 20);
    patient.push(service.submit(write({ ...body, id: 't-5' }), 5_000));
    expect((await hasty).view.status).toBe('accepted');
    const readsBefore = repository.reads;
    service.notify(block(6, [outcome('t-5', 'reserved')]), new Date('2026-12-04T00:00:05.000Z'));
    for (const answer of await Promise.all(patient)) {
      expect(answer.view).toMatchObject({ id: 't-5', status: 'reserved', blockHeight: 6 });
    }
    expect(repository.reads).toBe(readsBefore);
    // Nobody waits any more: a later block's outcome for the id finds no listener.
    service.notify(block(7, [outcome('t-5', 'fulfilled')]), new Date('2026-12-04T00:00:06.000Z'));
    expect(service.finalStates.isWaitedFor('t-5')).toBe(false);
  });

  it('reads the row again only when no block settled it in time', async () => {
    const { repository, service, write } = setUp();
    const { view } = await service.submit(write({ ...body, id: 't-4' }), 20);
    expect(view.status).toBe('accepted');
    expect(repository.reads).toBe(1);
  });
});

describe('TransfersService validation', () => {
  const body = { id: 't-1', payer: 'alpha', payee: 'beta', amount: '1.00', currency: 'USD' };

  it('refuses a transfer to oneself at once, naming payee, and sends nothing', async () => {
    const { repository, service, write } = setUp();
    const refusal = service.submit(write({ ...body, payee: 'alpha' }));
    await expect(refusal).rejects.toMatchObject({
      error: { kind: 'INVALID_BODY', errors: [{ field: 'payee', message: 'must differ from payer' }] },
    });
    expect(repository.rows.size).toBe(0);
  });

  it('refuses a batch with a transfer to oneself, naming the element', async () => {
    const { repository, service, write } = setUp();
    const transfers = [body, { ...body, id: 't-2', payee: 'alpha' }];
    await expect(service.submitBatch(write({ transfers }))).rejects.toMatchObject({
      error: {
        kind: 'INVALID_BODY',
        errors: [{ field: 'transfers.1.payee', message: 'must differ from payer' }],
      },
    });
    expect(repository.rows.size).toBe(0);
  });
});

describe('requestHashText', () => {
  // Only its canonical form matters here (the quote's own checks are the FX and ledger specs'): a nested
  // object with keys out of order, a null and a number.
  const quote = { v: 1, signature: 'A'.repeat(86), rate: { num: '56', den: '1' }, payee: null, id: 'q-1' };
  const id = fc.stringMatching(ID_PATTERN);
  const transfer = fc.record(
    {
      id,
      payer: id,
      payee: id,
      amount: fc.string(),
      currency: fc.stringMatching(/^[A-Z]{3}$/),
      twoPhase: fc.option(fc.boolean(), { nil: undefined }),
      expiresInMs: fc.option(fc.integer({ min: 1_000, max: 604_800_000 }), { nil: undefined }),
      quote: fc.option(fc.constant(quote as unknown as TransferInstruction['quote']), { nil: undefined }),
    },
    { requiredKeys: ['id', 'payer', 'payee', 'amount', 'currency'] },
  );

  it('is the canonical JSON of the transfer with its amount in minor units and its defaults', () => {
    fc.assert(
      fc.property(transfer, fc.bigInt({ min: 0n, max: 10n ** 30n }), (t, amountMinor) => {
        const expected = canonicalJson({
          ...t,
          amount: amountMinor.toString(),
          twoPhase: t.twoPhase ?? false,
          expiresInMs: t.expiresInMs ?? null,
        });
        expect(requestHashText(t, amountMinor)).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
  });
});
