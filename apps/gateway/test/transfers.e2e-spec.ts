import { Kafka, logLevel } from 'kafkajs';
import { topicName } from '@concord/contracts';
import { signRequest, verifyBalanceProof } from '@concord/crypto';
import {
  ConsortiumSpec,
  governanceCommand,
  participantKey,
  signerIds,
  signerKey,
} from '../../../libs/devtools/src/demo/consortium';
import { eventually, startTestNetwork, TestNetwork, TEST_KAFKA_BROKERS } from '@concord/testing';

/**
 * One transfer through the real system: HTTP -> gateway -> Kafka -> four ledger signers -> PostgreSQL ->
 * quorum certificate -> finalized block -> gateway -> caller. Every process is real.
 */
const spec: ConsortiumSpec = {
  chainId: 'e2e-transfers',
  fxProvider: 'sg-fx',
  secret: 'e2e-transfers-secret',
  signerCount: 4,
  quorum: 3,
  participants: [
    { id: 'hk-remit', name: 'HK Remit', currencies: ['USD', 'HKD'], fundsMinor: 1_000_000n },
    { id: 'mnl-payout', name: 'Manila Payout', currencies: ['USD', 'PHP'], fundsMinor: 1_000_000n },
    { id: 'sg-fx', name: 'SG FX', currencies: ['USD', 'HKD', 'PHP'], fundsMinor: 5_000_000n },
  ],
};

jest.setTimeout(120_000);

describe('one transfer end to end', () => {
  let net: TestNetwork;

  beforeAll(async () => {
    net = await startTestNetwork(spec);
  });

  afterAll(async () => {
    await net?.stop();
  });

  it('commits a transfer and shows it to payer and payee within a second', async () => {
    const hk = net.client('hk-remit');
    // From the POST to a read that shows the transfer committed, on an idle network: what a partner
    // sees when it posts and then long-polls for the outcome.
    const started = Date.now();
    const created = await hk.createTransfer({
      id: 'e2e-1',
      payer: 'hk-remit',
      payee: 'mnl-payout',
      amount: '125.50',
      currency: 'USD',
    });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ id: 'e2e-1', amount: '125.50', currency: 'USD' });
    const read = await hk.getTransfer('e2e-1', { waitMs: 5000 });
    const elapsedMs = Date.now() - started;
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: 'e2e-1', status: 'committed', amount: '125.50', currency: 'USD' });
    expect(elapsedMs).toBeLessThan(1000);
    const seenByPayee = await net.client('mnl-payout').getTransfer('e2e-1');
    expect(seenByPayee.status).toBe(200);
    expect(seenByPayee.body.status).toBe('committed');
    expect(seenByPayee.body.blockHeight).toBeGreaterThan(1);

    // The same with one request: the POST long-polls (?wait=) and answers with the final state, exactly as
    // a later read shows it (the state comes from the block that settled it, not from a second read).
    const posted = Date.now();
    const waited = await hk.createTransfer(
      { id: 'e2e-1w', payer: 'hk-remit', payee: 'mnl-payout', amount: '1.25', currency: 'USD' },
      { waitMs: 5000 },
    );
    expect(Date.now() - posted).toBeLessThan(1000);
    // The status says what happened: 201, final within the wait (202 would say it is still pending).
    expect(waited.status).toBe(201);
    expect(waited.body).toMatchObject({ id: 'e2e-1w', status: 'committed' });
    expect((await hk.getTransfer('e2e-1w')).body).toEqual(waited.body);
    // Paid back, so that the balances the next examples expect stay as they were.
    const back = await net
      .client('mnl-payout')
      .createTransfer(
        { id: 'e2e-1w-back', payer: 'mnl-payout', payee: 'hk-remit', amount: '1.25', currency: 'USD' },
        { waitMs: 5000 },
      );
    expect(back.body.status).toBe('committed');
  });

  it('moves the money by double entry on every signer, with equal state roots and a certificate', async () => {
    const height = (await net.client('hk-remit').getTransfer('e2e-1')).body.blockHeight!;
    const roots = await eventually(
      async () => {
        const rows = await Promise.all(
          net.network.signers.map((s) =>
            net.query<{ state_root: string }>(`select state_root from ledger_${s}.blocks where height = $1`, [
              height,
            ]),
          ),
        );
        return rows.every((r) => r.length === 1) ? rows.map((r) => r[0].state_root) : undefined;
      },
      15_000,
      'every signer to seal the block',
    );
    expect(new Set(roots).size).toBe(1);
    const balances = await net.query<{ account_id: string; balance_minor: string }>(
      `select account_id, balance_minor::text from ledger_s1.balances where currency = 'USD' order by account_id`,
    );
    const byId = Object.fromEntries(balances.map((b) => [b.account_id, BigInt(b.balance_minor)]));
    expect(byId['hk-remit/USD']).toBe(1_000_000n - 12_550n);
    expect(byId['mnl-payout/USD']).toBe(1_000_000n + 12_550n);
    expect(balances.reduce((sum, b) => sum + BigInt(b.balance_minor), 0n)).toBe(0n);
    const [certificate] = await eventually(async () => {
      const rows = await net.query<{ signatures: string }>(
        `select signatures from ledger_s1.certificates where height = $1`,
        [height],
      );
      return rows.length ? rows : undefined;
    });
    expect(JSON.parse(certificate.signatures).length).toBeGreaterThanOrEqual(3);
  });

  it('returns the first result for the same id and body, and refuses the same id with another body', async () => {
    const hk = net.client('hk-remit');
    const again = await hk.createTransfer({
      id: 'e2e-1',
      payer: 'hk-remit',
      payee: 'mnl-payout',
      amount: '125.5',
      currency: 'USD',
    });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('committed');
    const modified = await hk.createTransfer({
      id: 'e2e-1',
      payer: 'hk-remit',
      payee: 'mnl-payout',
      amount: '125.51',
      currency: 'USD',
    });
    expect(modified.status).toBe(409);
    expect(modified.headers.get('content-type')).toContain('application/problem+json');
    expect((modified.body as unknown as { code: string }).code).toBe('ID_REUSED');
    const balances = await net.query<{ balance_minor: string }>(
      `select balance_minor::text from ledger_s1.balances where account_id = 'hk-remit/USD'`,
    );
    expect(BigInt(balances[0].balance_minor)).toBe(1_000_000n - 12_550n);
  });

  it('rejects a transfer without funds, with its reason, and changes no balance', async () => {
    const res = await net
      .client('hk-remit')
      .createTransfer(
        { id: 'e2e-broke', payer: 'hk-remit', payee: 'mnl-payout', amount: '50000.00', currency: 'USD' },
        { waitMs: 5000 },
      );
    expect(res.body).toMatchObject({ status: 'rejected', reason: 'INSUFFICIENT_FUNDS' });
    const rows = await net.query<{ status: string; reason: string }>(
      `select status, reason from ledger_s2.transfers where id = 'e2e-broke'`,
    );
    expect(rows).toEqual([{ status: 'rejected', reason: 'INSUFFICIENT_FUNDS' }]);
  });

  it('shows a transfer only to its payer and payee', async () => {
    const res = await net.client('sg-fx').getTransfer('e2e-1');
    expect(res.status).toBe(404);
    // The long-poll is no way around it: another partner's transfer is not found, at once.
    const started = Date.now();
    const waited = await net.client('sg-fx').getTransfer('e2e-1', { waitMs: 3000 });
    expect(waited.status).toBe(404);
    expect((waited.body as unknown as { code: string }).code).toBe('TRANSFER_NOT_FOUND');
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('answers bad input with problem+json naming the field, and loses nothing', async () => {
    const hk = net.client('hk-remit');
    const cases: [unknown, string][] = [
      [{ id: 'bad-1', payer: 'hk-remit', payee: 'mnl-payout', amount: '1.001', currency: 'USD' }, 'amount'],
      [{ id: 'bad-2', payer: 'hk-remit', payee: 'mnl-payout', amount: 12.5, currency: 'USD' }, 'amount'],
      [{ id: 'bad-3', payer: 'hk-remit', payee: 'mnl-payout', amount: '-5', currency: 'USD' }, 'amount'],
      [{ id: 'bad-4', payer: 'hk-remit', payee: 'mnl-payout', amount: '5', currency: 'XYZ' }, 'currency'],
      [
        { id: 'bad-5', payer: 'hk-remit', payee: 'mnl-payout', amount: '5', currency: 'USD', extra: true },
        'extra',
      ],
      [{ payer: 'hk-remit', payee: 'mnl-payout', amount: '5', currency: 'USD' }, 'id'],
    ];
    for (const [body, field] of cases) {
      const res = await hk.request<{ code: string; errors: { field: string }[] }>(
        'POST',
        '/v1/transfers',
        body,
      );
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('INVALID_BODY');
      expect(res.body.errors.map((e) => e.field)).toContain(field);
    }
    const stored = await net.query(`select id from gateway.transfers where id like 'bad-%'`);
    expect(stored).toEqual([]);
  });

  it('answers a signed body that is not JSON with 400 INVALID_BODY, and another media type with 415', async () => {
    const { keyId, key } = participantKey(spec, 'hk-remit');
    const send = async (path: string, body: string, contentType = 'application/json') => {
      const signed = signRequest(key, {
        method: 'POST',
        path,
        body,
        created: Math.floor(Date.now() / 1000),
        keyId,
        nonce: `nonce-${Math.random().toString(36).slice(2, 12)}`,
      });
      const r = await fetch(`${net.network.gatewayUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': contentType, ...signed },
        body,
      });
      return {
        status: r.status,
        type: r.headers.get('content-type'),
        body: (await r.json()) as { code: string; errors?: { field: string; message: string }[] },
      };
    };
    for (const path of ['/v1/transfers', '/v1/transfer-batches']) {
      const broken = await send(path, '{"id":"bad-json","payer":"hk-remit"');
      expect(broken.status).toBe(400);
      expect(broken.type).toContain('application/problem+json');
      expect(broken.body.code).toBe('INVALID_BODY');
      expect(broken.body.errors).toEqual([{ field: '(body)', message: 'not valid JSON' }]);
    }
    // A signed body that names the amount twice: two parsers could read two different transfers.
    const twice = await send(
      '/v1/transfers',
      '{"id":"bad-twice","payer":"hk-remit","payee":"mnl-payout","amount":"1.00","amount":"900.00","currency":"USD"}',
    );
    expect(twice.status).toBe(400);
    expect(twice.body.code).toBe('INVALID_BODY');
    expect(twice.body.errors).toEqual([
      { field: 'amount', message: 'the key "amount" appears twice in one object' },
    ]);
    const batchTwice = await send(
      '/v1/transfer-batches',
      '{"transfers":[{"id":"bad-b1","payer":"hk-remit","payer":"us-send","payee":"mnl-payout","amount":"1.00","currency":"USD"}]}',
    );
    expect(batchTwice.body.errors).toEqual([
      { field: 'transfers[0].payer', message: 'the key "payer" appears twice in one object' },
    ]);
    const text = await send('/v1/transfers', 'id=bad-text', 'text/plain');
    expect(text.status).toBe(415);
    expect(text.type).toContain('application/problem+json');
    const stored = await net.query(`select id from gateway.transfers where id like 'bad-%'`);
    expect(stored).toEqual([]);
  });

  it('refuses unsigned, badly signed, stale and replayed requests with 401 and a reason', async () => {
    const url = `${net.network.gatewayUrl}/v1/transfers`;
    const body = JSON.stringify({
      id: 'auth-1',
      payer: 'hk-remit',
      payee: 'mnl-payout',
      amount: '1.00',
      currency: 'USD',
    });
    const post = (headers: Record<string, string>) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then(
        async (r) => ({
          status: r.status,
          code: ((await r.json()) as { code: string }).code,
        }),
      );
    const { keyId, key } = participantKey(spec, 'hk-remit');
    const now = Math.floor(Date.now() / 1000);
    expect(await post({})).toEqual({ status: 401, code: 'SIGNATURE_MISSING' });
    const other = participantKey(spec, 'mnl-payout');
    expect(
      await post(
        signRequest(other.key, { method: 'POST', path: '/v1/transfers', body, created: now, keyId }),
      ),
    ).toEqual({
      status: 401,
      code: 'INVALID_SIGNATURE',
    });
    expect(
      await post(
        signRequest(key, { method: 'POST', path: '/v1/transfers', body, created: now - 3600, keyId }),
      ),
    ).toEqual({
      status: 401,
      code: 'STALE_SIGNATURE',
    });
    const tampered = signRequest(key, {
      method: 'POST',
      path: '/v1/transfers',
      body: body.replace('1.00', '9.00'),
      created: now,
      keyId,
    });
    expect(await post(tampered)).toEqual({ status: 401, code: 'DIGEST_MISMATCH' });
    const good = signRequest(key, { method: 'POST', path: '/v1/transfers', body, created: now, keyId });
    expect((await post(good)).status).toBe(202);
    expect(await post(good)).toEqual({ status: 401, code: 'REPLAYED_REQUEST' });
  });

  it('adds settled transfers to the clearing positions of the open window', async () => {
    const rows = await eventually(
      async () => {
        const r = await net.query<{ participant_id: string; sent_minor: string; received_minor: string }>(
          `select participant_id, sent_minor::text, received_minor::text from clearing.positions where currency = 'USD' order by participant_id`,
        );
        return r.length >= 2 ? r : undefined;
      },
      15_000,
      'clearing positions',
    );
    const hk = rows.find((r) => r.participant_id === 'hk-remit')!;
    expect(BigInt(hk.sent_minor)).toBeGreaterThanOrEqual(12_550n);
  });

  it('takes a batch of transfers under one signature, each with its own outcome', async () => {
    const hk = net.client('hk-remit');
    const transfers = Array.from({ length: 50 }, (_, i) => ({
      id: `batch-${i}`,
      payer: 'hk-remit',
      payee: i % 2 ? 'mnl-payout' : 'sg-fx',
      amount: i === 49 ? '90000.00' : '1.00',
      currency: 'USD',
    }));
    const res = await hk.createTransferBatch(transfers, { waitMs: 8000 });
    // Every transfer of the batch was final within the wait: 201.
    expect(res.status).toBe(201);
    expect(res.body.transfers).toHaveLength(50);
    expect(res.body.transfers.slice(0, 49).every((t) => t.status === 'committed')).toBe(true);
    expect(res.body.transfers[49]).toMatchObject({ status: 'rejected', reason: 'INSUFFICIENT_FUNDS' });
    const again = await hk.createTransferBatch(transfers);
    expect(again.status).toBe(200);
    const bad = await hk.request<{ errors: { field: string }[] }>('POST', '/v1/transfer-batches', {
      transfers: [transfers[0], { ...transfers[1], id: 'batch-new', amount: '1.234' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('transfers.1.amount');
    const tooMany = await hk.request('POST', '/v1/transfer-batches', {
      transfers: Array.from({ length: 501 }, (_, i) => ({ ...transfers[0], id: `tm-${i}` })),
    });
    expect([400, 413]).toContain(tooMany.status);
  });

  it("lists only the caller's own accounts, with balances as decimal strings", async () => {
    const res = await net.client('mnl-payout').accounts();
    expect(res.status).toBe(200);
    // Per currency a position (the working balance), a settlement account and a fee income account.
    expect(res.body.accounts.map((a) => `${a.id} ${a.kind}`).sort()).toEqual([
      'mnl-payout/PHP position',
      'mnl-payout/PHP/fees fees',
      'mnl-payout/PHP/settlement settlement',
      'mnl-payout/USD position',
      'mnl-payout/USD/fees fees',
      'mnl-payout/USD/settlement settlement',
    ]);
    const usd = res.body.accounts.find((a) => a.currency === 'USD')!;
    expect(usd.balance).toMatch(/^\d+\.\d{2}$/);
    const me = await net.client('mnl-payout').me();
    expect(me.body).toMatchObject({ id: 'mnl-payout', status: 'active' });
  });

  it("serves a balance proof that a partner verifies against the signer keys it knows, and refuses others' accounts", async () => {
    const res = await net.client('hk-remit').balanceProof('hk-remit/USD');
    expect(res.status).toBe(200);
    const knownSigners = signerIds(spec.signerCount).map((id) => ({
      id,
      publicKey: signerKey(spec, id).publicKeyHex,
    }));
    const input = {
      accountId: res.body.account.id,
      balanceMinor: res.body.account.balanceMinor,
      reservedMinor: res.body.account.reservedMinor,
      proof: res.body.proof,
      header: res.body.header,
      headerHash: res.body.headerHash,
      certificate: res.body.certificate,
      signers: knownSigners,
      quorum: spec.quorum,
    };
    expect(verifyBalanceProof(input)).toEqual({ ok: true });
    expect(
      verifyBalanceProof({ ...input, balanceMinor: (BigInt(input.balanceMinor) + 1n).toString() }).ok,
    ).toBe(false);
    const other = await net.client('hk-remit').balanceProof('mnl-payout/USD');
    expect(other.status).toBe(404);
    // Nor another partner's settlement or fee account.
    for (const account of ['mnl-payout/USD/settlement', 'mnl-payout/USD/fees', 'sg-fx/USD/fees']) {
      const theirs = await net.client('hk-remit').balanceProof(account);
      expect([account, theirs.status]).toEqual([account, 404]);
    }
    const fees = await net.client('hk-remit').balanceProof('hk-remit/USD/fees');
    expect(fees.status).toBe(200);
    expect(
      verifyBalanceProof({
        ...input,
        accountId: fees.body.account.id,
        balanceMinor: fees.body.account.balanceMinor,
        reservedMinor: fees.body.account.reservedMinor,
        proof: fees.body.proof,
        header: fees.body.header,
        headerHash: fees.body.headerHash,
        certificate: fees.body.certificate,
      }),
    ).toEqual({ ok: true });
  });

  it("lists the caller's transfers with filters and a stable cursor, never another pair's", async () => {
    const mnl = net.client('mnl-payout');
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await mnl.listTransfers({ role: 'payee', status: 'committed', limit: 10, cursor });
      expect(page.status).toBe(200);
      expect(page.body.transfers.every((t) => t.payee === 'mnl-payout' && t.status === 'committed')).toBe(
        true,
      );
      seen.push(...page.body.transfers.map((t) => t.id));
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toContain('e2e-1');
    expect(seen.filter((id) => id.startsWith('batch-'))).toHaveLength(24);
    const fx = await net.client('sg-fx').listTransfers({ limit: 200 });
    expect(fx.body.transfers.every((t) => t.payer === 'sg-fx' || t.payee === 'sg-fx')).toBe(true);
    expect(fx.body.transfers.map((t) => t.id)).not.toContain('e2e-1');
    const bad = await mnl.request<{ code: string }>('GET', '/v1/transfers?limit=0&colour=red');
    expect(bad.status).toBe(400);
  });

  it('quotes USD to PHP and settles the cross-currency transfer through the FX provider, once per quote', async () => {
    const hk = net.client('hk-remit');
    const quote = await hk.createQuote({
      sourceCurrency: 'USD',
      targetCurrency: 'PHP',
      sendAmount: '100.00',
      payee: 'mnl-payout',
    });
    expect(quote.status).toBe(201);
    expect(quote.body.quote).toMatchObject({
      sourceCurrency: 'USD',
      targetCurrency: 'PHP',
      sendAmount: '100.00',
      payer: 'hk-remit',
    });
    // Next to the signed quote: the rates behind it (fresh demo rates) and its cost in parts, which add
    // up to the total cost exactly.
    expect(quote.body.rate).toMatchObject({ source: quote.body.quote.rateSource, ageing: false });
    const parts = quote.body.breakdown!;
    const cents = (amount: string) => BigInt(amount.replace('.', ''));
    expect(
      cents(parts.principal) +
        cents(parts.spread) +
        cents(parts.feeFixed) +
        cents(parts.feePercentage) +
        cents(parts.feeAdjustment),
    ).toBe(cents(quote.body.quote.totalCost as string));
    const balance = async (account: string) =>
      BigInt(
        (
          await net.query<{ b: string }>(
            `select balance_minor::text as b from ledger_s1.balances where account_id = $1`,
            [account],
          )
        )[0]?.b ?? '0',
      );
    const php = () => balance('mnl-payout/PHP');
    const before = await php();
    const feesBefore = await balance('sg-fx/USD/fees');
    const res = await hk.createTransfer(
      {
        id: 'fx-1',
        payer: 'hk-remit',
        payee: 'mnl-payout',
        amount: '100.00',
        currency: 'USD',
        quote: quote.body.quote,
      },
      { waitMs: 8000 },
    );
    expect(res.body).toMatchObject({ status: 'committed' });
    const receiveMinor = BigInt(quote.body.quote.receiveAmountMinor as string);
    expect(
      await eventually(
        async () => ((await php()) === before + receiveMinor ? true : undefined),
        10_000,
        'PHP credited',
      ),
    ).toBe(true);
    // The spread and the fee the partner was shown are what the FX provider's fee account earned.
    expect((await balance('sg-fx/USD/fees')) - feesBefore).toBe(
      cents(parts.spread) + cents(quote.body.quote.fee as string),
    );
    const reuse = await hk.createTransfer(
      {
        id: 'fx-2',
        payer: 'hk-remit',
        payee: 'mnl-payout',
        amount: '100.00',
        currency: 'USD',
        quote: quote.body.quote,
      },
      { waitMs: 8000 },
    );
    expect(reuse.body).toMatchObject({ status: 'rejected', reason: 'QUOTE_ALREADY_USED' });
    const bad = await hk.request<{ code: string }>('POST', '/v1/quotes', {
      sourceCurrency: 'USD',
      targetCurrency: 'PHP',
    });
    expect(bad.status).toBe(400);
  });

  it('quotes, reserves a cross-currency transfer on both sides, and posts every leg when the payee fulfils it', async () => {
    const hk = net.client('hk-remit');
    const mnl = net.client('mnl-payout');
    const fx = net.client('sg-fx');
    const quote = await hk.createQuote({
      sourceCurrency: 'USD',
      targetCurrency: 'PHP',
      sendAmount: '50.00',
      payee: 'mnl-payout',
    });
    expect(quote.status).toBe(201);
    const receive = quote.body.quote.receiveAmount as string;
    const balances = async () => {
      const of = async (c: typeof hk) =>
        Object.fromEntries((await c.accounts()).body.accounts.map((a) => [a.id, [a.balance, a.reserved]]));
      return { ...(await of(hk)), ...(await of(mnl)), ...(await of(fx)) };
    };
    const before = await balances();
    const prepared = await hk.createTransfer(
      {
        id: 'fx-2p-1',
        payer: 'hk-remit',
        payee: 'mnl-payout',
        amount: '50.00',
        currency: 'USD',
        quote: quote.body.quote,
        twoPhase: true,
      },
      { waitMs: 8000 },
    );
    expect(prepared.body).toMatchObject({ status: 'reserved' });
    const reserved = await balances();
    expect(reserved['hk-remit/USD'][1]).toBe(quote.body.quote.totalCost);
    expect(reserved['sg-fx/PHP'][1]).toBe(receive);
    expect(reserved['mnl-payout/PHP']).toEqual(before['mnl-payout/PHP']);
    const fulfilled = await mnl.fulfilTransfer('fx-2p-1', { waitMs: 8000 });
    expect(fulfilled.body.status).toBe('fulfilled');
    const after = await eventually(
      async () => {
        const b = await balances();
        return b['mnl-payout/PHP'][0] !== before['mnl-payout/PHP'][0] ? b : undefined;
      },
      10_000,
      'PHP credited',
    );
    const minor = (s: string) => BigInt(s.replace('.', ''));
    expect(minor(after['mnl-payout/PHP'][0]) - minor(before['mnl-payout/PHP'][0])).toBe(minor(receive));
    expect(minor(before['hk-remit/USD'][0]) - minor(after['hk-remit/USD'][0])).toBe(
      minor(quote.body.quote.totalCost as string),
    );
    // The fee and the spread are the FX provider's income, booked on its USD fee account.
    expect(minor(after['sg-fx/USD/fees'][0]) - minor(before['sg-fx/USD/fees'][0])).toBeGreaterThanOrEqual(
      minor(quote.body.quote.fee as string),
    );
    expect([after['hk-remit/USD'][1], after['sg-fx/PHP'][1]]).toEqual(['0.00', '0.00']);
  });

  it('reserves a two-phase transfer, lets only the payee fulfil it, and lets either side abort another', async () => {
    const hk = net.client('hk-remit');
    const mnl = net.client('mnl-payout');
    const reserved = await hk.createTransfer(
      { id: '2p-1', payer: 'hk-remit', payee: 'mnl-payout', amount: '3.00', currency: 'USD', twoPhase: true },
      { waitMs: 8000 },
    );
    expect(reserved.body.status).toBe('reserved');
    const accounts = (await hk.accounts()).body.accounts;
    expect(accounts.find((a) => a.id === 'hk-remit/USD')?.reserved).toBe('3.00');
    expect((await hk.fulfilTransfer('2p-1')).status).toBe(403);
    // A third party cannot fulfil it either: to it the transfer does not exist.
    const third = await net.client('sg-fx').fulfilTransfer('2p-1');
    expect(third.status).toBe(404);
    expect((third.body as unknown as { code: string }).code).toBe('TRANSFER_NOT_FOUND');
    const fulfilled = await mnl.fulfilTransfer('2p-1', { waitMs: 8000 });
    // Decided within the wait: 200, as for the fulfil of a transfer already fulfilled.
    expect(fulfilled.status).toBe(200);
    expect(fulfilled.body.status).toBe('fulfilled');
    expect((await mnl.fulfilTransfer('2p-1')).status).toBe(200);
    const late = await hk.abortTransfer('2p-1');
    expect(late.status).toBe(409);
    expect((late.body as unknown as { code: string }).code).toBe('NOT_RESERVED');
    await hk.createTransfer(
      { id: '2p-2', payer: 'hk-remit', payee: 'mnl-payout', amount: '4.00', currency: 'USD', twoPhase: true },
      { waitMs: 8000 },
    );
    const aborted = await hk.abortTransfer('2p-2', { waitMs: 8000 });
    expect(aborted.status).toBe(200);
    expect(aborted.body.status).toBe('aborted');
    expect((await net.client('sg-fx').abortTransfer('2p-2')).status).toBe(404);
    const after = (await hk.accounts()).body.accounts.find((a) => a.id === 'hk-remit/USD')!;
    expect(after.reserved).toBe('0.00');
  });

  // Last: it suspends a participant of this network.
  it('applies governance approved by two operators: funds in, then a suspension the gateway enforces on new transfers', async () => {
    const kafka = new Kafka({
      clientId: 'e2e-governance',
      brokers: [TEST_KAFKA_BROKERS],
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    const send = (command: unknown) =>
      producer.send({
        topic: topicName('ledgerCommands', net.network.options.topicPrefix),
        messages: [{ value: JSON.stringify(command) }],
      });
    const usd = async () =>
      (await net.client('sg-fx').accounts()).body.accounts.find((a) => a.id === 'sg-fx/USD')!.balance;
    const before = await usd();
    // One approval is not enough (threshold 2 of 3): nothing happens.
    await send(
      governanceCommand(
        spec,
        'gov-1',
        { kind: 'funds-in', participantId: 'sg-fx', currency: 'USD', amountMinor: '50000' },
        ['operator-1'],
      ),
    );
    await send(
      governanceCommand(spec, 'gov-2', {
        kind: 'funds-in',
        participantId: 'sg-fx',
        currency: 'USD',
        amountMinor: '50000',
      }),
    );
    const after = await eventually(
      async () => ((await usd()) !== before ? await usd() : undefined),
      15_000,
      'funds in',
    );
    expect(BigInt(after.replace('.', '')) - BigInt(before.replace('.', ''))).toBe(50_000n);
    await send(
      governanceCommand(spec, 'gov-3', {
        kind: 'set-participant-status',
        participantId: 'us-nobody',
        status: 'suspended',
      }),
    );
    await send(
      governanceCommand(spec, 'gov-4', {
        kind: 'set-participant-status',
        participantId: 'mnl-payout',
        status: 'suspended',
      }),
    );
    // A suspended partner still reads (it follows its settlement), but may start no new transfer.
    const suspended = await eventually(
      async () => {
        const res = await net.client('mnl-payout').me();
        return res.status === 200 && res.body.status === 'suspended' ? res : undefined;
      },
      15_000,
      'the suspension to reach the gateway',
    );
    expect(suspended.body.id).toBe('mnl-payout');
    const refused = await net.client('mnl-payout').createTransfer({
      id: 'from-suspended',
      payer: 'mnl-payout',
      payee: 'hk-remit',
      amount: '1.00',
      currency: 'USD',
    });
    expect(refused.status).toBe(403);
    expect((refused.body as unknown as { code: string }).code).toBe('PARTICIPANT_NOT_ACTIVE');
    const toSuspended = await net
      .client('hk-remit')
      .createTransfer(
        { id: 'to-suspended', payer: 'hk-remit', payee: 'mnl-payout', amount: '1.00', currency: 'USD' },
        { waitMs: 8000 },
      );
    expect(toSuspended.body).toMatchObject({ status: 'rejected', reason: 'PARTICIPANT_NOT_ACTIVE' });
    await producer.disconnect();
  });
});
