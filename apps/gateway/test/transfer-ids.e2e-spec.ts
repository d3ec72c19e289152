import type { ConsortiumSpec } from '../../../libs/devtools/src/demo/consortium';
import { startTestNetwork, TestNetwork } from '@concord/testing';

/**
 * Transfer ids are each payer's own (issue #25, defect 2): before, us-send's GET /v1/transfers/t-1
 * answered 404 while its POST with id t-1 answered 409 "exists with a different body", because another
 * partner had used t-1. Every process is real: gateway, Kafka, four ledger signers, PostgreSQL.
 */
const spec: ConsortiumSpec = {
  chainId: 'e2e-transfer-ids',
  fxProvider: 'sg-fx',
  secret: 'e2e-transfer-ids-secret',
  signerCount: 4,
  quorum: 3,
  participants: [
    { id: 'us-send', name: 'US Send', currencies: ['USD'], fundsMinor: 1_000_000n },
    { id: 'hk-remit', name: 'HK Remit', currencies: ['USD'], fundsMinor: 1_000_000n },
    { id: 'mnl-payout', name: 'Manila Payout', currencies: ['USD'], fundsMinor: 1_000_000n },
    { id: 'sg-fx', name: 'SG FX', currencies: ['USD'], fundsMinor: 1_000_000n },
  ],
};

jest.setTimeout(120_000);

const code = (body: unknown) => (body as { code?: string }).code;

describe('transfer ids are per payer, end to end', () => {
  let net: TestNetwork;
  const start = new Date(Date.now() - 60_000);

  beforeAll(async () => {
    net = await startTestNetwork(spec);
  });

  afterAll(async () => {
    await net?.stop();
  });

  it('two payers use one id with different bodies: both succeed, each sees its own, nothing leaks', async () => {
    const hk = net.client('hk-remit');
    const us = net.client('us-send');
    const sg = net.client('sg-fx');
    const first = await hk.createTransfer(
      { id: 't-1', payer: 'hk-remit', payee: 'mnl-payout', amount: '2.00', currency: 'USD' },
      { waitMs: 5000 },
    );
    expect([first.status, first.body.status]).toEqual([201, 'committed']);
    // us-send does not see hk-remit's t-1, and is not blocked by it: its own t-1, another body, is made.
    const unseen = await us.getTransfer('t-1');
    expect([unseen.status, code(unseen.body)]).toEqual([404, 'TRANSFER_NOT_FOUND']);
    const mine = await us.createTransfer(
      { id: 't-1', payer: 'us-send', payee: 'mnl-payout', amount: '1.00', currency: 'USD' },
      { waitMs: 5000 },
    );
    expect(mine.status).toBe(201);
    expect(mine.body).toMatchObject({ id: 't-1', payer: 'us-send', amount: '1.00', status: 'committed' });
    // Within one payer's ids a changed body is still refused, and a retry still gets the transfer.
    const modified = await us.createTransfer({
      id: 't-1',
      payer: 'us-send',
      payee: 'mnl-payout',
      amount: '9.00',
      currency: 'USD',
    });
    expect([modified.status, code(modified.body)]).toEqual([409, 'ID_REUSED']);
    const retried = await us.createTransfer({
      id: 't-1',
      payer: 'us-send',
      payee: 'mnl-payout',
      amount: '1.00',
      currency: 'USD',
    });
    expect([retried.status, retried.body.amount]).toEqual([200, '1.00']);
    // Each payer sees its own; a third partner sees neither, even naming the payer.
    expect((await us.getTransfer('t-1')).body).toMatchObject({ payer: 'us-send', amount: '1.00' });
    expect((await hk.getTransfer('t-1')).body).toMatchObject({ payer: 'hk-remit', amount: '2.00' });
    expect((await sg.getTransfer('t-1')).status).toBe(404);
    expect((await sg.getTransfer('t-1', { payer: 'hk-remit' })).status).toBe(404);
    expect((await us.getTransfer('t-1', { payer: 'hk-remit' })).status).toBe(404);
    const listed = await us.listTransfers({});
    expect(listed.body.transfers.filter((t) => t.id === 't-1').map((t) => t.payer)).toEqual(['us-send']);

    // The payee of both is told to name the payer, and sees each with it.
    const payee = net.client('mnl-payout');
    const ambiguous = await payee.getTransfer('t-1');
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body).toMatchObject({ code: 'AMBIGUOUS_TRANSFER_ID', payers: ['hk-remit', 'us-send'] });
    expect((await payee.getTransfer('t-1', { payer: 'hk-remit' })).body).toMatchObject({ amount: '2.00' });
    expect((await payee.getTransfer('t-1', { payer: 'us-send' })).body).toMatchObject({ amount: '1.00' });

    // The payee's statement shows both, each with its payer; us-send's shows only its own.
    const window = (account: string) => ({
      account,
      from: start.toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
    });
    const credits = (await payee.statement(window('mnl-payout/USD'))).body.entries
      .filter((e) => e.transferId === 't-1')
      .map((e) => [e.payer, e.direction, e.amount, e.counterparty]);
    expect(credits).toEqual([
      ['hk-remit', 'credit', '2.00', 'hk-remit'],
      ['us-send', 'credit', '1.00', 'us-send'],
    ]);
    const debits = (await us.statement(window('us-send/USD'))).body.entries.filter(
      (e) => e.transferId === 't-1',
    );
    expect(debits.map((e) => [e.payer, e.amount])).toEqual([['us-send', '1.00']]);
  });

  it('a payee completes by id alone, and names the payer when two payers reserved one id', async () => {
    const payee = net.client('mnl-payout');
    const two = (payer: string, id: string, amount: string) =>
      net
        .client(payer)
        .createTransfer(
          { id, payer, payee: 'mnl-payout', amount, currency: 'USD', twoPhase: true },
          { waitMs: 5000 },
        );
    expect((await two('us-send', 'tp-solo', '3.00')).body.status).toBe('reserved');
    const solo = await payee.fulfilTransfer('tp-solo', { waitMs: 5000 });
    expect([solo.status, solo.body.status, solo.body.payer]).toEqual([200, 'fulfilled', 'us-send']);

    expect((await two('us-send', 'tp-1', '4.00')).body.status).toBe('reserved');
    expect((await two('hk-remit', 'tp-1', '5.00')).body.status).toBe('reserved');
    const ambiguous = await payee.fulfilTransfer('tp-1', { waitMs: 5000 });
    expect([ambiguous.status, code(ambiguous.body)]).toEqual([409, 'AMBIGUOUS_TRANSFER_ID']);
    const fulfilled = await payee.fulfilTransfer('tp-1', { payer: 'hk-remit', waitMs: 5000 });
    expect(fulfilled.body).toMatchObject({ status: 'fulfilled', payer: 'hk-remit', amount: '5.00' });
    expect((await net.client('us-send').getTransfer('tp-1')).body.status).toBe('reserved');
    const aborted = await payee.abortTransfer('tp-1', { payer: 'us-send', waitMs: 5000 });
    expect(aborted.body).toMatchObject({ status: 'aborted', payer: 'us-send', amount: '4.00' });
    // Each payer aborts its own without naming itself: already done, nothing sent.
    const again = await net.client('us-send').abortTransfer('tp-1');
    expect([again.status, again.body.status]).toEqual([200, 'aborted']);
  });
});
