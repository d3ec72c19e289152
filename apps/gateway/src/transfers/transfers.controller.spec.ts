import type { FastifyReply } from 'fastify';
import type { AuthenticatedRequest } from '../auth/auth.service';
import { TransferBatchesController } from './transfer-batches.controller';
import { TransfersController } from './transfers.controller';
import type { TransferView } from './transfers.dto';
import type { TransfersRepository } from './transfers.repository';
import type { TransfersService } from './transfers.service';

const view = (id: string, status: TransferView['status']): TransferView => ({
  id,
  status,
  payer: 'alpha',
  payee: 'beta',
  amount: '1.00',
  currency: 'USD',
  twoPhase: false,
  createdAt: '2026-12-07T00:00:00.000Z',
});

/** A reply that records the status it was given. */
function fakeReply() {
  const sent: { status?: number } = {};
  const reply = {
    status(code: number) {
      sent.status = code;
      return reply;
    },
    header: () => reply,
    send: () => reply,
  };
  return { reply: reply as unknown as FastifyReply, sent };
}

const caller = { participant: { id: 'alpha' } } as unknown as AuthenticatedRequest;

/**
 * The status of a transfer operation says what happened: 201 when a new transfer is final within the wait,
 * 202 while it is pending, 200 for a transfer the same id already made.
 */
describe('transfer creation statuses', () => {
  const answer = async (result: { view: TransferView; created: boolean }) => {
    const service = { submit: async () => result } as unknown as TransfersService;
    const controller = new TransfersController(service, {} as TransfersRepository);
    const { reply, sent } = fakeReply();
    await controller.create(caller, reply, 2_000);
    return sent.status;
  };

  it.each([
    ['committed', true, 201],
    ['rejected', true, 201],
    ['reserved', true, 201],
    ['accepted', true, 202],
    ['committed', false, 200],
    ['accepted', false, 202],
  ] as const)('answers a %s transfer (new: %s) with %i', async (status, created, expected) => {
    expect(await answer({ view: view('t-1', status), created })).toBe(expected);
  });

  const batchAnswer = async (views: TransferView[], created: number) => {
    const service = { submitBatch: async () => ({ views, created }) } as unknown as TransfersService;
    const { reply, sent } = fakeReply();
    await new TransferBatchesController(service).create(caller, reply, 2_000);
    return sent.status;
  };

  it('answers a new batch 201 when every transfer is final, 202 while any is pending, 200 for known ones', async () => {
    const final = [view('t-1', 'committed'), view('t-2', 'rejected')];
    expect(await batchAnswer(final, 2)).toBe(201);
    expect(await batchAnswer([...final, view('t-3', 'accepted')], 3)).toBe(202);
    expect(await batchAnswer(final, 0)).toBe(200);
    expect(await batchAnswer([...final, view('t-3', 'accepted')], 0)).toBe(202);
  });

  const completion = async (final: TransferView, sentNow: boolean, waitMs: number) => {
    const service = {
      complete: async () => ({ view: view('t-1', 'reserved'), sent: sentNow }),
      waitFor: async () => final,
    } as unknown as TransfersService;
    const controller = new TransfersController(service, {} as TransfersRepository);
    const { reply, sent } = fakeReply();
    await controller.fulfil(caller, reply, 't-1', waitMs);
    return sent.status;
  };

  it('answers a fulfil 200 once decided within the wait, 202 while the transfer is still reserved', async () => {
    expect(await completion(view('t-1', 'fulfilled'), true, 2_000)).toBe(200);
    expect(await completion(view('t-1', 'reserved'), true, 2_000)).toBe(202);
    expect(await completion(view('t-1', 'reserved'), true, 0)).toBe(202);
    expect(await completion(view('t-1', 'fulfilled'), false, 0)).toBe(200);
  });
});
