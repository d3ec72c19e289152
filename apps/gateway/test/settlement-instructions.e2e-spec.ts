import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { ConcordClient } from '@concord/sdk';
import { ConsortiumSpec } from '../../../libs/devtools/src/demo/consortium';
import { deleteTestTopics, eventually, freePort, startTestNetwork, TestNetwork } from '@concord/testing';

/**
 * The partner API's settlement instructions through the real network (four signers, clearing, gateway):
 * a window closed by an operator (its retry closing nothing more), each partner reading its own
 * instructions and nobody else's, the payee confirming its pay-out through the gateway, clearing recording
 * it as an operator's confirmation and the outcome showing on the instruction and by webhook, then an
 * aborted window's instructions cancelled, by webhook too.
 */
const spec: ConsortiumSpec = {
  chainId: 'e2e-settlement-instructions',
  secret: 'e2e-settlement-instructions-secret',
  signerCount: 4,
  quorum: 3,
  participants: [
    { id: 'hk-remit', name: 'HK Remit', currencies: ['USD'], fundsMinor: 1_000_000n },
    { id: 'mnl-payout', name: 'Manila Payout', currencies: ['USD'], fundsMinor: 1_000_000n },
    { id: 'sg-fx', name: 'SG FX', currencies: ['USD'], fundsMinor: 1_000_000n },
  ],
};

jest.setTimeout(240_000);

interface Payload {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

describe('settlement instructions through the partner API, end to end', () => {
  let net: TestNetwork;
  let prefix: string;
  let clearingApi: string;
  let server: Server;
  const received: { path: string; body: string; signature: string }[] = [];
  const secrets: Record<string, string> = {};

  const clearing = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${clearingApi}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${net.network.operatorToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  const at = (path: string, type: string) =>
    received
      .filter((r) => r.path === path)
      .map((r) => JSON.parse(r.body) as Payload)
      .filter((p) => p.type === type);

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          path: req.url ?? '/',
          body: Buffer.concat(chunks).toString('utf8'),
          signature: String(req.headers['concord-signature']),
        });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    clearingApi = `http://127.0.0.1:${port}`;
    net = await startTestNetwork(spec, {
      extraEnv: {
        clearing: { CLEARING_PORT: String(port) },
        gateway: { GATEWAY_WEBHOOK_BACKOFF_MS: '100', GATEWAY_WEBHOOK_TIMEOUT_MS: '2000' },
      },
    });
    prefix = net.network.options.topicPrefix;
    for (const p of spec.participants) {
      await eventually(async () => ((await net.client(p.id).me()).status === 200 ? true : undefined), 15_000);
    }
    await eventually(
      async () => ((await clearing('GET', '/windows').catch(() => null))?.status === 200 ? true : undefined),
      60_000,
      'the clearing API',
    );
  });

  afterAll(async () => {
    await net?.stop();
    await new Promise((resolve) => server?.close(resolve));
    if (prefix) await deleteTestTopics(prefix);
  });

  it('lets each partner read its own instructions, the payee confirm its pay-out, and hears of a cancellation', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const [id, path] of [
      ['hk-remit', '/hk'],
      ['mnl-payout', '/mnl'],
    ]) {
      const hook = await net.client(id).createWebhook({
        url: `${url}${path}`,
        events: [
          'settlement.instruction.created',
          'settlement.instruction.confirmed',
          'settlement.instruction.reversed',
          'settlement.instruction.cancelled',
        ],
      });
      expect(hook.status).toBe(201);
      secrets[id] = hook.body.secret;
    }
    const hk = net.client('hk-remit');
    const mnl = net.client('mnl-payout');
    const sg = net.client('sg-fx');
    const sent = await hk.createTransfer(
      { id: 'si-1', payer: 'hk-remit', payee: 'mnl-payout', amount: '100.00', currency: 'USD' },
      { waitMs: 10_000 },
    );
    expect(sent.body.status).toBe('committed');
    await eventually(
      async () => {
        const { body } = await clearing('GET', '/windows?currency=USD&status=open');
        const w = (body.windows as { id: number }[])[0];
        return w && (await clearing('GET', `/windows/${w.id}`)).body.gross === '100.00' ? true : undefined;
      },
      30_000,
      'the transfer in the USD window',
    );

    // The operator's close, and its retry under the same Idempotency-Key: one window closed.
    const closed = await clearing('POST', '/windows/USD/close', undefined, {
      'idempotency-key': 'e2e-close-1',
    });
    expect(closed.status).toBe(201);
    const retried = await clearing('POST', '/windows/USD/close', undefined, {
      'idempotency-key': 'e2e-close-1',
    });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(retried.body.id).toBe(closed.body.id);
    const windowId = closed.body.id as number;
    const payIn = `w${windowId}.hk-remit`;
    const payOut = `w${windowId}.mnl-payout`;

    // Each partner reads its own instruction, and nobody else's.
    const hkList = await eventually(
      async () => {
        const res = await hk.listSettlementInstructions({ window: windowId });
        return res.body.instructions?.length ? res : undefined;
      },
      30_000,
      "hk-remit's instruction in the gateway",
    );
    expect(hkList.status).toBe(200);
    expect(hkList.body.instructions).toEqual([
      expect.objectContaining({ id: payIn, direction: 'pay-in', amount: '100.00', status: 'pending' }),
    ]);
    const mnlList = await eventually(
      async () => {
        const res = await mnl.listSettlementInstructions({ currency: 'USD' });
        return res.body.instructions?.length ? res : undefined;
      },
      30_000,
      "mnl-payout's instruction in the gateway",
    );
    expect(mnlList.body.instructions.map((i) => i.id)).toEqual([payOut]);
    expect((await sg.listSettlementInstructions()).body.instructions).toEqual([]);
    expect((await hk.getSettlementInstruction(payOut)).status).toBe(404);
    expect((await sg.getSettlementInstruction(payIn)).body).toMatchObject({
      code: 'SETTLEMENT_INSTRUCTION_NOT_FOUND',
    });
    const csv = await hk.settlementInstructionsCsv({ window: windowId });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.body.split('\r\n')[1]).toMatch(
      new RegExp(`^${payIn.replace('.', '\\.')},${windowId},hk-remit,USD,pay-in,100\\.00,0\\.00,100\\.00,`),
    );

    // The payer cannot confirm its own pay-in, nor anyone another's; bad input names the field.
    const payerSays = await hk.confirmSettlement(payIn, { bankReference: 'hk-1', amount: '100.00' });
    expect(payerSays.status).toBe(403);
    expect(payerSays.body).toMatchObject({ code: 'CONFIRMATION_NOT_ALLOWED' });
    expect((await sg.confirmSettlement(payOut, { bankReference: 'sg-1', amount: '1.00' })).status).toBe(404);
    const bad = await mnl.confirmSettlement(payOut, { bankReference: 'mnl-1', amount: '1.001' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(bad.body).toMatchObject({ code: 'INVALID_BODY', errors: [{ field: 'amount' }] });

    // The payee confirms part of its pay-out; clearing records it and the gateway shows it.
    const confirmed = await mnl.confirmSettlement(payOut, { bankReference: 'mnl-1', amount: '40.00' });
    expect(confirmed.status).toBe(202);
    expect(confirmed.body.confirmations).toEqual([
      expect.objectContaining({ bankReference: 'mnl-1', status: 'requested', source: 'participant' }),
    ]);
    const recorded = await eventually(
      async () => {
        const res = await mnl.getSettlementInstruction(payOut);
        return res.body.confirmations?.[0]?.status === 'confirmed' ? res.body : undefined;
      },
      30_000,
      'the confirmation recorded by clearing',
    );
    expect(recorded).toMatchObject({
      status: 'partially-confirmed',
      confirmed: '40.00',
      outstanding: '60.00',
    });
    expect(recorded.confirmations[0]).toMatchObject({ source: 'participant', amount: '40.00' });
    const operatorView = await clearing('GET', `/instructions/${payOut}`);
    expect(operatorView.body).toMatchObject({ confirmed: '40.00', status: 'partially-confirmed' });
    const [hooked] = await eventually(
      async () => {
        const r = at('/mnl', 'settlement.instruction.confirmed');
        return r.length ? r : undefined;
      },
      30_000,
      'the confirmation webhook',
    );
    expect(hooked.data).toMatchObject({
      id: payOut,
      confirmation: { bankReference: 'mnl-1', amount: '40.00' },
    });
    // The same request again answers the instruction as it stands; the same reference with another amount
    // is refused.
    expect((await mnl.confirmSettlement(payOut, { bankReference: 'mnl-1', amount: '40.00' })).status).toBe(
      200,
    );
    expect(
      (await mnl.confirmSettlement(payOut, { bankReference: 'mnl-1', amount: '41.00' })).body,
    ).toMatchObject({
      code: 'CONFIRMATION_CONFLICT',
    });

    // The operator reverses it and aborts the window: both partners hear their instruction is cancelled.
    expect(
      (await clearing('POST', `/instructions/${payOut}/reverse`, { bankReference: 'mnl-1' })).status,
    ).toBe(200);
    const aborted = await clearing('POST', `/windows/${windowId}/abort`);
    expect(aborted.status).toBe(200);
    const carried = aborted.body.carriedToWindowId as number;
    for (const [path, id, secret] of [
      ['/hk', payIn, secrets['hk-remit']],
      ['/mnl', payOut, secrets['mnl-payout']],
    ]) {
      const [cancelled] = await eventually(
        async () => {
          const r = at(path, 'settlement.instruction.cancelled');
          return r.length ? r : undefined;
        },
        30_000,
        `the cancellation webhook at ${path}`,
      );
      expect(cancelled.data).toMatchObject({
        id,
        status: 'cancelled',
        outstanding: '0.00',
        carriedToWindowId: carried,
      });
      const raw = received.find(
        (r) => r.path === path && r.body.includes('settlement.instruction.cancelled'),
      )!;
      expect(ConcordClient.verifyWebhookSignature(secret, raw.signature, raw.body)).toBe(true);
    }
    expect((await hk.getSettlementInstruction(payIn)).body).toMatchObject({
      status: 'cancelled',
      carriedToWindowId: carried,
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect(at('/hk', 'settlement.instruction.cancelled')).toHaveLength(1);
    expect(received.filter((r) => r.path === '/hk' && r.body.includes(payOut))).toEqual([]);
    expect(received.filter((r) => r.path === '/mnl' && r.body.includes(payIn))).toEqual([]);
  });
});
