import { randomBytes } from 'node:crypto';
import { signRequest } from '@concord/crypto';
import { ConsortiumSpec, participantKey } from '../../../libs/devtools/src/demo/consortium';
import { eventually, startTestNetwork, TestNetwork } from '@concord/testing';

/**
 * Partners' books through the real system: transfers finalized by the four signers, then a partner's own
 * book of the period (with a wrong amount, a wrong status, one transfer it lacks and one Concord lacks)
 * sent signed to POST /v1/books/reconciliations, answered as JSON and as CSV.
 */
const spec: ConsortiumSpec = {
  chainId: 'e2e-books',
  secret: 'e2e-books-secret',
  signerCount: 4,
  quorum: 3,
  participants: [
    { id: 'hk-remit', name: 'HK Remit & Co', currencies: ['USD'], fundsMinor: 1_000_000n },
    { id: 'mnl-payout', name: 'Manila Payout', currencies: ['USD'], fundsMinor: 1_000_000n },
  ],
};

jest.setTimeout(120_000);

describe('partners’ books end to end', () => {
  let net: TestNetwork;
  let from: string;

  /** A signed POST of a book, as a partner's system sends it (the SDK has no call for it yet). */
  const reconcile = (participant: string, body: object, accept = 'application/json') => {
    const { keyId, key } = participantKey(spec, participant);
    const text = JSON.stringify(body);
    return fetch(`${net.network.gatewayUrl}/v1/books/reconciliations`, {
      method: 'POST',
      body: text,
      headers: {
        ...signRequest(key, {
          method: 'POST',
          path: '/v1/books/reconciliations',
          query: '',
          body: text,
          created: Math.floor(Date.now() / 1000),
          keyId,
          nonce: randomBytes(12).toString('base64url'),
        }),
        'content-type': 'application/json',
        accept,
      },
    });
  };

  beforeAll(async () => {
    net = await startTestNetwork(spec);
    for (const p of spec.participants) {
      await eventually(
        async () => ((await net.client(p.id).me()).status === 200 ? true : undefined),
        15_000,
        `${p.id} known`,
      );
    }
    from = new Date(Date.now() - 1000).toISOString();
    const send = async (id: string, payer: string, payee: string, amount: string) =>
      (
        await net
          .client(payer)
          .createTransfer({ id, payer, payee, amount, currency: 'USD' }, { waitMs: 5000 })
      ).body.status;
    expect(await send('bk-1', 'hk-remit', 'mnl-payout', '100.00')).toBe('committed');
    expect(await send('bk-2', 'hk-remit', 'mnl-payout', '200.00')).toBe('committed');
    expect(await send('bk-3', 'hk-remit', 'mnl-payout', '99999.00')).toBe('rejected');
    expect(await send('bk-1', 'mnl-payout', 'hk-remit', '5.00')).toBe('committed');
    expect(await send('bk-4', 'hk-remit', 'mnl-payout', '4.00')).toBe('committed');
  });

  afterAll(async () => {
    await net?.stop();
  });

  it('reports each transfer of the period from both books, as JSON and as CSV', async () => {
    const to = new Date(Date.now() + 60_000).toISOString();
    const book = {
      from,
      to,
      transfers: [
        { payer: 'hk-remit', id: 'bk-1', amount: '100.00', currency: 'USD', status: 'committed' },
        { payer: 'hk-remit', id: 'bk-2', amount: '210.00', currency: 'USD', status: 'committed' },
        { payer: 'hk-remit', id: 'bk-3', amount: '99999.00', currency: 'USD', status: 'committed' },
        { payer: 'mnl-payout', id: 'bk-1', amount: '5.00', currency: 'USD', status: 'committed' },
        { payer: 'hk-remit', id: 'bk-5', amount: '1.00', currency: 'USD', status: 'committed' },
      ],
    };
    const res = await reconcile('hk-remit', book);
    expect(res.status).toBe(200);
    const report = (await res.json()) as {
      counts: object;
      lines: { result: string; payer: string; id: string }[];
    };
    expect(report.counts).toEqual({
      matched: 2,
      'missing-at-partner': 1,
      'missing-at-concord': 1,
      'amount-differs': 1,
      'status-differs': 1,
    });
    expect(report.lines.map((l) => `${l.result} ${l.payer}/${l.id}`)).toEqual([
      'missing-at-partner hk-remit/bk-4',
      'missing-at-concord hk-remit/bk-5',
      'amount-differs hk-remit/bk-2',
      'status-differs hk-remit/bk-3',
      'matched hk-remit/bk-1',
      'matched mnl-payout/bk-1',
    ]);

    const csv = await reconcile('hk-remit', book, 'text/csv');
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = (await csv.text()).trimEnd().split('\r\n');
    expect(rows[0]).toBe(
      'result,payer,id,role,partnerAmount,partnerCurrency,partnerStatus,concordAmount,concordCurrency,concordStatus',
    );
    expect(rows).toContain('amount-differs,hk-remit,bk-2,payer,210.00,USD,committed,200.00,USD,committed');
    expect(rows).toContain('matched,mnl-payout,bk-1,payee,5.00,USD,committed,5.00,USD,committed');

    // The payee's side of the same transfers: its book is hk-remit's, seen from Manila.
    const mnl = await reconcile('mnl-payout', { from, to, csv: 'payer,id,amount,currency,status\n' });
    expect(((await mnl.json()) as { counts: object }).counts).toMatchObject({ 'missing-at-partner': 5 });

    const refused = await reconcile('hk-remit', {
      from,
      to,
      csv: 'payer,id,amount,currency,status\nhk-remit,bk-1,1.001,USD,committed\n',
    });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({
      code: 'BOOK_REFUSED',
      errors: [{ field: 'csv line 2.amount' }],
    });
  });
});
