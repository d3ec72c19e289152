import { randomBytes } from 'node:crypto';
import { signRequest } from '@concord/crypto';
import { XMLParser } from 'fast-xml-parser';
import { ConsortiumSpec, participantKey } from '../../../libs/devtools/src/demo/consortium';
import { eventually, startTestNetwork, TestNetwork } from '@concord/testing';

/**
 * Statements through the real system: transfers finalized by the four signers, then the statement of an
 * account as JSON and as camt.053.001.08, checked against GET /v1/accounts and the signers' own balances.
 */
const spec: ConsortiumSpec = {
  chainId: 'e2e-statements',
  secret: 'e2e-statements-secret',
  signerCount: 4,
  quorum: 3,
  participants: [
    { id: 'hk-remit', name: 'HK Remit & Co', currencies: ['USD', 'HKD'], fundsMinor: 1_000_000n },
    { id: 'mnl-payout', name: 'Manila Payout', currencies: ['USD', 'HKD'], fundsMinor: 1_000_000n },
    { id: 'sg-fx', name: 'SG FX', currencies: ['USD', 'HKD'], fundsMinor: 5_000_000n },
  ],
};

jest.setTimeout(120_000);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  isArray: (name) => ['Bal', 'Ntry'].includes(name),
});

interface Camt {
  Document: {
    '@xmlns': string;
    BkToCstmrStmt: {
      GrpHdr: { MsgId: string };
      Stmt: {
        Id: string;
        Acct: { Id: { Othr: { Id: string } }; Ccy: string; Ownr: { Nm: string } };
        Bal: {
          Tp: { CdOrPrtry: { Cd: string } };
          Amt: { '#text': string; '@Ccy': string };
          CdtDbtInd: string;
        }[];
        Ntry?: {
          Amt: { '#text': string; '@Ccy': string };
          CdtDbtInd: string;
          Sts: { Cd: string };
          BookgDt: { DtTm: string };
          ValDt: { DtTm: string };
          NtryDtls: { TxDtls: { Refs: { EndToEndId: string } } };
        }[];
      };
    };
  };
}

/**
 * The gateway stores the genesis members before it caches them, so a signed request right after the
 * network is "ready" can still get UNKNOWN_KEY for a moment: wait until every partner is known.
 */
async function knowsEveryone(net: TestNetwork, consortium: ConsortiumSpec): Promise<void> {
  for (const p of consortium.participants) {
    await eventually(
      async () => ((await net.client(p.id).me()).status === 200 ? true : undefined),
      15_000,
      `${p.id} known`,
    );
  }
}

const minor = (amount: string) => BigInt(amount.replace('.', '').replace(/^(-?)0+(?=\d)/, '$1'));

describe('statements end to end', () => {
  let net: TestNetwork;
  let start: Date;
  let middle: Date;

  beforeAll(async () => {
    net = await startTestNetwork(spec);
    const hk = net.client('hk-remit');
    await knowsEveryone(net, spec);
    // The genesis (opening funds) is applied by now: the window starts after it.
    start = new Date(Date.now() - 1);
    const send = async (id: string, payer: string, payee: string, amount: string, extra = {}) => {
      const res = await net
        .client(payer)
        .createTransfer({ id, payer, payee, amount, currency: 'USD', ...extra }, { waitMs: 5000 });
      return res.body.status;
    };
    expect(await send('st-1', 'hk-remit', 'mnl-payout', '125.50')).toBe('committed');
    expect(await send('st-2', 'mnl-payout', 'hk-remit', '20.00')).toBe('committed');
    await new Promise((resolve) => setTimeout(resolve, 50));
    middle = new Date();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await send('st-3', 'hk-remit', 'sg-fx', '5.25')).toBe('committed');
    expect(await send('st-broke', 'hk-remit', 'sg-fx', '99999.00')).toBe('rejected');
    expect(await send('st-held', 'hk-remit', 'sg-fx', '7.00', { twoPhase: true })).toBe('reserved');
    const batch = await hk.createTransferBatch(
      [
        { id: 'st-b1', payer: 'hk-remit', payee: 'mnl-payout', amount: '1.00', currency: 'USD' },
        { id: 'st-b2', payer: 'hk-remit', payee: 'sg-fx', amount: '2.00', currency: 'USD' },
      ],
      { waitMs: 5000 },
    );
    expect(batch.body.transfers.map((t) => t.status)).toEqual(['committed', 'committed']);
  });

  afterAll(async () => {
    await net?.stop();
  });

  const window = () => ({
    account: 'hk-remit/USD',
    from: start.toISOString(),
    to: new Date(Date.now() + 60_000).toISOString(),
  });

  it('a statement matches the ledger: opening, the window entries, closing = GET /v1/accounts = the signers', async () => {
    const hk = net.client('hk-remit');
    const res = await hk.statement(window());
    expect(res.status).toBe(200);
    const s = res.body;
    expect(s).toMatchObject({ account: 'hk-remit/USD', currency: 'USD', openingBalance: '10000.00' });
    expect(s.entries.map((e) => [e.transferId, e.direction, e.amount, e.counterparty, e.status])).toEqual([
      ['st-1', 'debit', '125.50', 'mnl-payout', 'committed'],
      ['st-2', 'credit', '20.00', 'mnl-payout', 'committed'],
      ['st-3', 'debit', '5.25', 'sg-fx', 'committed'],
      ['st-b1', 'debit', '1.00', 'mnl-payout', 'committed'],
      ['st-b2', 'debit', '2.00', 'sg-fx', 'committed'],
    ]);
    const transfers = await Promise.all(s.entries.map((e) => hk.getTransfer(e.transferId)));
    s.entries.forEach((e, i) => {
      expect(e.blockHeight).toBe(transfers[i].body.blockHeight);
      expect(Date.parse(e.bookedAt)).toBeGreaterThanOrEqual(start.getTime());
    });
    expect(s.closingBalance).toBe('9886.25');
    expect(s.entries[s.entries.length - 1].balanceAfter).toBe(s.closingBalance);
    expect(s.totals).toEqual({
      credits: { count: 1, amount: '20.00' },
      debits: { count: 4, amount: '133.75' },
    });
    const accounts = await hk.accounts();
    const usd = accounts.body.accounts.find((a) => a.id === 'hk-remit/USD')!;
    expect(s.closingBalance).toBe(usd.balance);
    // The reservation holds money back (reserved) without moving it: no entry, same balance.
    expect(usd.reserved).toBe('7.00');
    expect(s.asOfHeight).toBeGreaterThanOrEqual(usd.asOfHeight);
    for (const signer of net.network.signers) {
      const [row] = await net.query<{ balance_minor: string }>(
        `select balance_minor::text from ledger_${signer}.balances where account_id = 'hk-remit/USD'`,
      );
      expect(BigInt(row.balance_minor)).toBe(minor(s.closingBalance));
    }
  });

  it('chains windows: the closing balance of one is the opening of the next, and from the beginning the genesis funds are the first entry', async () => {
    const hk = net.client('hk-remit');
    const whole = window();
    const first = await hk.statement({ ...whole, to: middle.toISOString() });
    const second = await hk.statement({ ...whole, from: middle.toISOString() });
    expect(first.body.entries.map((e) => e.transferId)).toEqual(['st-1', 'st-2']);
    expect(second.body.entries.map((e) => e.transferId)).toEqual(['st-3', 'st-b1', 'st-b2']);
    expect(first.body.closingBalance).toBe(second.body.openingBalance);
    expect(second.body.closingBalance).toBe((await hk.statement(whole)).body.closingBalance);
    const all = await hk.statement({ ...whole, from: '2000-01-01T00:00:00Z' });
    expect(all.body.openingBalance).toBe('0.00');
    expect(all.body.entries[0]).toMatchObject({
      direction: 'credit',
      amount: '10000.00',
      counterparty: 'hub',
    });
    expect(all.body.entries[0].transferId).toMatch(/^genesis-funds-/);
    expect(all.body.closingBalance).toBe(second.body.closingBalance);
    // The payee's view of the same transfers.
    const mnl = await net.client('mnl-payout').statement({ ...whole, account: 'mnl-payout/USD' });
    expect(mnl.body.entries.map((e) => [e.transferId, e.direction])).toEqual([
      ['st-1', 'credit'],
      ['st-2', 'debit'],
      ['st-b1', 'credit'],
    ]);
    const mnlAccount = (await net.client('mnl-payout').accounts()).body.accounts.find(
      (a) => a.id === 'mnl-payout/USD',
    )!;
    expect(mnl.body.closingBalance).toBe(mnlAccount.balance);
  });

  it('serves the same statement as camt.053.001.08 XML on Accept: application/xml', async () => {
    const hk = net.client('hk-remit');
    const json = (await hk.statement(window())).body;
    const res = await hk.statementXml(window());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    const doc = parser.parse(res.body) as Camt;
    expect(doc.Document['@xmlns']).toBe('urn:iso:std:iso:20022:tech:xsd:camt.053.001.08');
    const stmt = doc.Document.BkToCstmrStmt.Stmt;
    expect(stmt.Id).toBe(doc.Document.BkToCstmrStmt.GrpHdr.MsgId);
    expect(stmt.Acct.Id.Othr.Id).toBe('hk-remit/USD');
    expect(stmt.Acct.Ccy).toBe('USD');
    expect(stmt.Acct.Ownr.Nm).toBe('HK Remit & Co');
    expect(stmt.Bal.map((b) => [b.Tp.CdOrPrtry.Cd, b.Amt['#text'], b.Amt['@Ccy'], b.CdtDbtInd])).toEqual([
      ['OPBD', json.openingBalance, 'USD', 'CRDT'],
      ['CLBD', json.closingBalance, 'USD', 'CRDT'],
    ]);
    const entries = stmt.Ntry!;
    expect(
      entries.map((n) => [n.NtryDtls.TxDtls.Refs.EndToEndId, n.Amt['#text'], n.CdtDbtInd, n.Sts.Cd]),
    ).toEqual(
      json.entries.map((e) => [e.transferId, e.amount, e.direction === 'credit' ? 'CRDT' : 'DBIT', 'BOOK']),
    );
    expect(entries.map((n) => n.BookgDt.DtTm)).toEqual(json.entries.map((e) => e.bookedAt));
    expect(entries.map((n) => n.ValDt.DtTm)).toEqual(json.entries.map((e) => e.bookedAt));
    const signed = entries.reduce(
      (sum, n) => sum + (n.CdtDbtInd === 'CRDT' ? 1n : -1n) * minor(n.Amt['#text']),
      minor(stmt.Bal[0].Amt['#text']),
    );
    expect(signed).toBe(minor(stmt.Bal[1].Amt['#text']));
    const [row] = await net.query<{ balance_minor: string }>(
      `select balance_minor::text from ledger_s1.balances where account_id = 'hk-remit/USD'`,
    );
    expect(minor(stmt.Bal[1].Amt['#text'])).toBe(BigInt(row.balance_minor));
  });

  it("refuses another partner's account, bad queries and unknown media types with problems", async () => {
    const fx = net.client('sg-fx');
    const other = await fx.statement(window());
    expect(other.status).toBe(404);
    expect((other.body as unknown as { code: string }).code).toBe('ACCOUNT_NOT_FOUND');
    expect((await fx.statement({ ...window(), account: 'sg-fx/PHP' })).status).toBe(404);
    const bad = await fx.request<{ code: string; errors: { field: string }[] }>(
      'GET',
      `/v1/statements?account=sg-fx/USD&from=yesterday&to=${encodeURIComponent(new Date().toISOString())}&colour=red`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('INVALID_QUERY');
    expect(bad.body.errors.map((e) => e.field).sort()).toEqual(['colour', 'from']);
    const backwards = await fx.statement({
      account: 'sg-fx/USD',
      from: new Date().toISOString(),
      to: start.toISOString(),
    });
    expect(backwards.status).toBe(400);
    const query = new URLSearchParams({
      account: 'sg-fx/USD',
      from: start.toISOString(),
      to: new Date().toISOString(),
    });
    const { keyId, key } = participantKey(spec, 'sg-fx');
    const csv = await fetch(`${net.network.gatewayUrl}/v1/statements?${query}`, {
      headers: {
        ...signRequest(key, {
          method: 'GET',
          path: '/v1/statements',
          query: query.toString(),
          body: '',
          created: Math.floor(Date.now() / 1000),
          keyId,
          nonce: randomBytes(12).toString('base64url'),
        }),
        accept: 'text/csv',
      },
    });
    expect(csv.status).toBe(406);
    expect(((await csv.json()) as { code: string }).code).toBe('NOT_ACCEPTABLE');
    const unsigned = await fetch(`${net.network.gatewayUrl}/v1/statements?account=sg-fx/USD`);
    expect(unsigned.status).toBe(401);
  });

  it('rebuilds the postings of blocks applied before they were recorded, at start-up', async () => {
    const hk = net.client('hk-remit');
    const before = (await hk.statement(window())).body;
    await net.network.stop('gateway');
    // As a gateway upgraded from a version without postings: blocks applied, no postings at all.
    await net.query(`delete from gateway.account_postings`);
    await net.query(`delete from gateway.cursors where name = 'postings'`);
    net.network.start('gateway');
    await net.network.waitUntilReady(60_000);
    const after = (await hk.statement(window())).body;
    expect({ ...after, createdAt: before.createdAt, to: before.to, id: before.id }).toEqual(before);
    const [cursors] = await net.query<{ finalized: number; postings: number }>(
      `select max(height) filter (where name = 'finalized') as finalized,
              max(height) filter (where name = 'postings') as postings from gateway.cursors`,
    );
    expect(cursors.postings).toBe(cursors.finalized);
  });

  it("shows a cross-currency transfer as the ledger's legs: principal, spread and fee on their accounts", async () => {
    const hk = net.client('hk-remit');
    const fx = net.client('sg-fx');
    const from = new Date(Date.now() - 1).toISOString();
    const quote = await hk.createQuote({
      sourceCurrency: 'USD',
      targetCurrency: 'HKD',
      sendAmount: '40.00',
      payee: 'mnl-payout',
    });
    expect(quote.status).toBe(201);
    const sent = await hk.createTransfer(
      {
        id: 'st-fx',
        payer: 'hk-remit',
        payee: 'mnl-payout',
        amount: '40.00',
        currency: 'USD',
        quote: quote.body.quote,
      },
      { waitMs: 5000 },
    );
    expect(sent.body.status).toBe('committed');
    const to = new Date(Date.now() + 60_000).toISOString();
    // Each statement closes on the account's balance (the service refuses one that would not).
    const payer = await hk.statement({ account: 'hk-remit/USD', from, to });
    expect(payer.status).toBe(200);
    const entries = (s: typeof payer) => s.body.entries.map((e) => [e.transferId, e.direction, e.amount]);
    const fee = quote.body.quote.fee as string;
    expect(entries(payer)).toEqual(
      expect.arrayContaining([
        ['st-fx', 'debit', expect.any(String)],
        ['st-fx:fee', 'debit', fee],
      ]),
    );
    const debited = payer.body.entries
      .filter((e) => e.transferId.startsWith('st-fx'))
      .reduce((sum, e) => sum + minor(e.amount), 0n);
    expect(debited).toBe(minor(quote.body.quote.totalCost as string));
    const fees = await fx.statement({ account: 'sg-fx/USD/fees', from, to });
    expect(fees.status).toBe(200);
    expect(entries(fees)).toEqual(expect.arrayContaining([['st-fx:fee', 'credit', fee]]));
    const hkd = await fx.statement({ account: 'sg-fx/HKD', from, to });
    expect(entries(hkd)).toEqual([['st-fx', 'debit', quote.body.quote.receiveAmount]]);
    const payee = await net.client('mnl-payout').statement({ account: 'mnl-payout/HKD', from, to });
    expect(entries(payee)).toEqual([['st-fx', 'credit', quote.body.quote.receiveAmount]]);
  });

  it('serves the OpenAPI document and Swagger UI without a signature, with the signature as security scheme', async () => {
    const json = await fetch(`${net.network.gatewayUrl}/docs-json`);
    expect(json.status).toBe(200);
    const doc = (await json.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { security?: unknown[]; callbacks?: unknown }>>;
      components: { securitySchemes: Record<string, { type: string; in: string; name: string }> };
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.values(doc.components.securitySchemes).map((s) => [s.type, s.in, s.name])).toEqual([
      ['apiKey', 'header', 'Signature'],
      ['apiKey', 'header', 'Signature-Input'],
      ['apiKey', 'header', 'Content-Digest'],
    ]);
    for (const path of [
      '/v1/webhooks',
      '/v1/webhooks/{id}',
      '/v1/webhooks/{id}/deliveries',
      '/v1/statements',
      '/v1/transfers',
    ]) {
      expect(doc.paths[path]).toBeDefined();
      for (const op of Object.values(doc.paths[path])) {
        expect(op.security).toEqual([{ Signature: [], SignatureInput: [], ContentDigest: [] }]);
      }
    }
    expect(doc.paths['/health'].get.security).toBeUndefined();
    expect(doc.paths['/v1/webhooks'].post.callbacks).toBeDefined();
    const ui = await fetch(`${net.network.gatewayUrl}/docs`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toContain('text/html');
    expect(await ui.text()).toContain('swagger');
  });
});
