import { createServer, Server } from 'node:http';
import { type TrustedGenesis, verifyBalanceProofFromGenesis } from '@concord/chain-verify';
import type { TransferProofResponse } from '@concord/contracts';
import { eventually, freePort, startTestNetwork, TestNetwork } from '@concord/testing';
import type { ConsortiumSpec } from '../../../libs/devtools/src/demo/consortium';
import { ConsoleClient, httpClient, Session } from './console-harness';

/**
 * The console's pages added for issues 19, 21 and 24 against a real network with the compliance service:
 * a transfer's balance proof that verifies from the genesis alone, webhook delivery health fed by the
 * gateway's events, the compliance case queue (decisions for compliance officers only, two of them for a
 * sanctions hit) and reconciliation breaks (assign, annotate, resolve; operators only), each write in the
 * audit log and a regulator's every write refused.
 */
const spec: ConsortiumSpec = {
  chainId: 'e2e-console-queues',
  secret: 'e2e-console-queues-secret',
  signerCount: 4,
  quorum: 3,
  participants: [
    { id: 'hk-remit', name: 'HK Remit', currencies: ['USD'], fundsMinor: 1_000_000n },
    { id: 'mnl-payout', name: 'Manila Payout', currencies: ['USD'], fundsMinor: 1_000_000n },
  ],
};

jest.setTimeout(240_000);

describe('console queues end to end', () => {
  let net: TestNetwork;
  let client: ConsoleClient;
  let clearingUrl: string;
  let complianceUrl: string;
  let receiver: Server;
  let receiverPort: number;
  const users: Record<string, Session> = {};

  beforeAll(async () => {
    const [clearingPort, fxPort, consolePort, compliancePort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    receiver = createServer((_req, res) => res.writeHead(204).end());
    receiverPort = await freePort();
    await new Promise<void>((resolve) => receiver.listen(receiverPort, '127.0.0.1', resolve));
    net = await startTestNetwork(spec, {
      clearingPort,
      fxPort,
      consolePort,
      compliancePort,
      extraEnv: {
        console: { CONSOLE_DEMO_USERS: 'true' },
        gateway: { GATEWAY_WEBHOOK_ATTEMPTS: '2', GATEWAY_WEBHOOK_BACKOFF_MS: '100' },
      },
    });
    clearingUrl = `http://127.0.0.1:${clearingPort}`;
    complianceUrl = `http://127.0.0.1:${compliancePort}`;
    client = httpClient(`http://127.0.0.1:${consolePort}`);
    await eventually(
      async () =>
        (await fetch(`http://127.0.0.1:${consolePort}/ready`).catch(() => null))?.ok ? true : undefined,
      60_000,
      'the console',
    );
    for (const u of ['ops1', 'ops2', 'reg1', 'comp1', 'comp2'])
      users[u] = await client.login(u, `${u}-demo-password`);
  });

  afterAll(async () => {
    await net?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const operator = (url: string, method: string, path: string, body?: unknown, headers = {}) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${net.network.operatorToken}`,
        ...(body === undefined
          ? {}
          : { 'content-type': typeof body === 'string' ? 'text/csv' : 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

  const auditActions = async (actor: string) => {
    const audit = await users.reg1.call('GET', `/ops/v1/audit?actor=${actor}&limit=200`);
    expect(audit.status).toBe(200);
    return (audit.body.entries as { action: string; outcome: string }[]).map(
      (e) => `${e.action}:${e.outcome}`,
    );
  };

  it("proves the payer's and payee's balances at the transfer's block, verified from the genesis alone", async () => {
    const sent = await net
      .client('hk-remit')
      .createTransfer(
        { id: 'proof-1', payer: 'hk-remit', payee: 'mnl-payout', amount: '12.34', currency: 'USD' },
        { waitMs: 10_000 },
      );
    expect(sent.body.status).toBe('committed');
    const answer = await eventually(async () => {
      const res = await users.reg1.call('GET', '/ops/v1/transfers/proof-1/proof');
      return res.status === 200 ? res : undefined;
    }, 20_000);
    const proof = answer.body as TransferProofResponse;
    const genesisAnswer = (await users.reg1.call('GET', '/ops/v1/genesis')).body;
    const set = genesisAnswer.block.signerSet;
    const genesis: TrustedGenesis = {
      chainId: genesisAnswer.chainId,
      signers: set.signers,
      quorum: set.quorum,
      operators: genesisAnswer.operators,
      governanceThreshold: genesisAnswer.governanceThreshold,
    };
    const verdict = verifyBalanceProofFromGenesis(genesis, proof);
    expect(verdict.checks.filter((c) => !c.ok)).toEqual([]);
    expect(proof.accounts.map((a) => [a.role, a.id])).toEqual([
      ['payer', 'hk-remit/USD'],
      ['payee', 'mnl-payout/USD'],
    ]);
    expect(proof.height).toBe(proof.transfer.height);
    // The payee's account as the block left it is what the participants page says now (nothing since).
    const payee = (await users.reg1.call('GET', '/ops/v1/participants/mnl-payout')).body.participant;
    const account = payee.accounts.find((a: { id: string }) => a.id === 'mnl-payout/USD');
    expect(proof.accounts[1].balanceMinor).toBe(account.balanceMinor);
    // A balance one minor unit off no longer leads to the certified root.
    const forged = {
      ...proof,
      accounts: [{ ...proof.accounts[0], balanceMinor: String(BigInt(proof.accounts[0].balanceMinor) + 1n) }],
    };
    expect(verifyBalanceProofFromGenesis(genesis, forged).ok).toBe(false);
    expect((await users.reg1.call('GET', '/ops/v1/transfers/nope/proof')).status).toBe(404);
    expect((await users.reg1.call('GET', '/ops/v1/transfers/proof-1/proof?height=x')).status).toBe(400);
  });

  it('shows webhook delivery health: dead letters of a receiver that is down, successes of one that is up', async () => {
    const closed = await freePort();
    const events = ['transfer.committed'] as ['transfer.committed'];
    expect(
      (await net.client('hk-remit').createWebhook({ url: `http://127.0.0.1:${closed}/hook`, events })).status,
    ).toBe(201);
    expect(
      (await net.client('mnl-payout').createWebhook({ url: `http://127.0.0.1:${receiverPort}/hook`, events }))
        .status,
    ).toBe(201);
    const sent = await net
      .client('hk-remit')
      .createTransfer(
        { id: 'hook-1', payer: 'hk-remit', payee: 'mnl-payout', amount: '1.00', currency: 'USD' },
        { waitMs: 10_000 },
      );
    expect(sent.body.status).toBe('committed');
    const health = await eventually(async () => {
      const res = await users.ops1.call('GET', '/ops/v1/webhooks/health');
      const rows = res.body.participants as {
        participantId: string;
        deadLetters: number;
        lastSuccessAt: string | null;
      }[];
      const hk = rows.find((r) => r.participantId === 'hk-remit');
      const mnl = rows.find((r) => r.participantId === 'mnl-payout');
      return hk?.deadLetters && mnl?.lastSuccessAt ? rows : undefined;
    }, 30_000);
    expect(health.find((r) => r.participantId === 'hk-remit')).toMatchObject({
      deadLetters: 1,
      failedAttempts24h: 2,
      delivered24h: 0,
      lastSuccessAt: null,
      lastFailure: expect.stringMatching(/ECONNREFUSED|fetch failed/),
    });
    expect(health.find((r) => r.participantId === 'mnl-payout')).toMatchObject({
      delivered24h: 1,
      deadLetters: 0,
    });
  });

  it('lets only compliance officers decide a case, two of them for a sanctions hit, and audits it', async () => {
    const held = await operator(complianceUrl, 'POST', '/v1/screenings', {
      transferId: 'held-1',
      payer: 'hk-remit',
      payee: 'mnl-payout',
      amountMinor: '5000',
      currency: 'USD',
      originator: { kind: 'person', name: 'Maria Santos', country: 'US', birthDate: '1985-02-03' },
      beneficiary: { kind: 'person', name: 'Виктор Орланко', country: 'RU' },
    });
    expect(held.body).toMatchObject({ status: 'held' });
    const caseId = String(held.body.caseId);
    const queue = await users.comp1.call('GET', '/ops/v1/compliance/cases?status=open');
    expect(queue.status).toBe(200);
    expect(queue.body.cases.map((c: { id: string }) => c.id)).toContain(caseId);
    const shown = await users.reg1.call('GET', `/ops/v1/compliance/cases/${caseId}`);
    expect(shown.status).toBe(200);
    expect(shown.body.case.sanctions).toBe(true);
    // Operators see no case; regulators and operators decide none.
    expect((await users.ops1.call('GET', '/ops/v1/compliance/cases')).status).toBe(403);
    const path = `/ops/v1/compliance/cases/${caseId}/release`;
    for (const who of ['reg1', 'ops1']) {
      const refused = await users[who].call('POST', path, { reason: 'not mine to decide' });
      expect({ who, status: refused.status, code: refused.body.code }).toEqual({
        who,
        status: 403,
        code: 'FORBIDDEN',
      });
    }
    const first = await users.comp1.call('POST', path, { reason: 'namesake, other date of birth' });
    expect(first.status).toBe(200);
    expect(first.body.decision).toMatchObject({ action: 'approve-release', officerId: 'comp1' });
    const again = await users.comp1.call('POST', path, { reason: 'me again' });
    expect([again.status, again.body.code]).toEqual([409, 'SECOND_OFFICER_REQUIRED']);
    const second = await users.comp2.call('POST', path, { reason: 'agreed' });
    expect([second.status, second.body.status]).toEqual([200, 'released']);
    expect((await users.comp1.call('POST', path, { reason: '' })).status).toBe(400);
    expect(await auditActions('comp1')).toEqual(
      expect.arrayContaining(['compliance.case.release:ok', 'compliance.case.release:refused']),
    );
    expect(await auditActions('comp2')).toContain('compliance.case.release:ok');
    expect(await auditActions('reg1')).toContain('compliance.case.release:refused');
  });

  it('works a reconciliation break: assign, annotate, write off; operators only, audited', async () => {
    // Two bank lines that no instruction explains: each becomes a break (NO_INSTRUCTION).
    const csv = [
      'account,currency,booking_date,amount,end_to_end_id,bank_reference',
      'USD-SETTLE,USD,2026-12-08,12.50,no-such-instruction,E2E-1',
      'USD-SETTLE,USD,2026-12-08,-7.00,,E2E-2',
    ].join('\n');
    const uploaded = await operator(clearingUrl, 'POST', '/statements?format=csv', csv, {
      'x-operator': 'e2e',
    });
    expect(uploaded.status).toBe(201);
    const list = await users.reg1.call('GET', '/ops/v1/reconciliation/breaks?status=open');
    expect(list.status).toBe(200);
    const breaks = list.body.breaks as { id: number; status: string; assignee: string | null }[];
    expect(breaks.length).toBeGreaterThan(0);
    const id = breaks[0].id;
    const base = `/ops/v1/reconciliation/breaks/${id}`;
    for (const [who, route, body] of [
      ['reg1', 'assign', { assignee: 'ops2' }],
      ['comp1', 'resolve', { action: 'write-off', reason: 'not theirs' }],
    ] as const) {
      expect((await users[who].call('POST', `${base}/${route}`, body)).status).toBe(403);
    }
    const assigned = await users.ops1.call('POST', `${base}/assign`, { assignee: 'ops2' });
    expect([assigned.status, assigned.body.break.assignee]).toEqual([200, 'ops2']);
    expect((await users.ops1.call('POST', `${base}/assign`, { assignee: 'nobody' })).status).toBe(404);
    const noted = await users.ops2.call('POST', `${base}/notes`, { note: 'asked the bank for the advice' });
    expect(noted.body.break.notes).toEqual([
      expect.objectContaining({ kind: 'assign', text: 'ops2', by: 'ops1' }),
      expect.objectContaining({ kind: 'note', text: 'asked the bank for the advice', by: 'ops2' }),
    ]);
    const resolved = await users.ops2.call('POST', `${base}/resolve`, {
      action: 'write-off',
      reason: 'bank fee, booked',
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body.break).toMatchObject({
      status: 'written-off',
      resolvedBy: 'ops2',
      assignee: 'ops2',
    });
    expect(
      (await users.ops2.call('POST', `${base}/resolve`, { action: 'write-off', reason: 'twice' })).status,
    ).toBe(409);
    expect(await auditActions('ops1')).toEqual(expect.arrayContaining(['reconciliation.break.assign:ok']));
    expect(await auditActions('ops2')).toEqual(
      expect.arrayContaining([
        'reconciliation.break.annotate:ok',
        'reconciliation.break.resolve:ok',
        'reconciliation.break.resolve:refused',
      ]),
    );
    expect(await auditActions('reg1')).toContain('reconciliation.break.assign:refused');
  });
});
