import type { Producer } from 'kafkajs';
import { governanceSigningBytes, topicName } from '@concord/contracts';
import { signBytes } from '@concord/crypto';
import { createKafka, createProducer, sendJson } from '@concord/kafka';
import { eventually, freePort, startTestNetwork, TEST_KAFKA_BROKERS, TestNetwork } from '@concord/testing';
import { ConsortiumSpec, derivedKey } from '../../../libs/devtools/src/demo/consortium';
import { ConsoleClient, httpClient, Session } from './console-harness';
import { startConsoleProcess } from './console-process';

/**
 * The console against a real network (four signers, clearing, FX, gateway) and as its own process: the
 * operator's and the regulator's journeys. A transfer sent through the partner API shows in the console's
 * transfers and on its event stream; a regulator's writes answer 403; an operator's window close is in the
 * audit log; a ledger alarm is stored and acknowledged; a governance proposal approved by two operators'
 * own signatures takes effect on the ledger.
 */
const spec: ConsortiumSpec = {
  chainId: 'e2e-console',
  secret: 'e2e-console-secret',
  signerCount: 4,
  quorum: 3,
  participants: [
    { id: 'hk-remit', name: 'HK Remit', currencies: ['USD'], fundsMinor: 1_000_000n },
    { id: 'mnl-payout', name: 'Manila Payout', currencies: ['USD'], fundsMinor: 1_000_000n },
    { id: 'us-send', name: 'US Send', currencies: ['USD'], capMinor: 100_000n },
  ],
};

jest.setTimeout(240_000);

describe('console end to end', () => {
  let net: TestNetwork;
  let consoleApp: Awaited<ReturnType<typeof startConsoleProcess>>;
  let client: ConsoleClient;
  let ops1: Session;
  let ops2: Session;
  let reg1: Session;
  let producer: Producer;

  beforeAll(async () => {
    const [clearing, fx] = [await freePort(), await freePort()];
    net = await startTestNetwork(spec, {
      extraEnv: { clearing: { CLEARING_PORT: String(clearing) }, fx: { FX_PORT: String(fx) } },
    });
    consoleApp = await startConsoleProcess(net, { clearing, fx });
    client = httpClient(consoleApp.url);
    ops1 = await client.login('ops1', 'ops1-demo-password');
    ops2 = await client.login('ops2', 'ops2-demo-password');
    reg1 = await client.login('reg1', 'reg1-demo-password');
    const prefix = net.network.options.topicPrefix;
    producer = await createProducer(
      createKafka({ brokers: TEST_KAFKA_BROKERS, clientId: 'e2e-console', topicPrefix: prefix }),
    );
  });

  afterAll(async () => {
    await producer?.disconnect();
    await consoleApp?.stop();
    await net?.stop();
  });

  it('serves the web app for its own routes with a strict CSP', async () => {
    const page = await client.request('GET', '/transfers/abc');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Concord console');
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'self'");
  });

  it('shows a transfer sent through the partner API, and pushes its block on the event stream', async () => {
    const events = await openEvents(consoleApp.url, ops1.cookie);
    try {
      const sent = await net
        .client('hk-remit')
        .createTransfer(
          { id: 'con-1', payer: 'hk-remit', payee: 'mnl-payout', amount: '12.34', currency: 'USD' },
          { waitMs: 10_000 },
        );
      expect(sent.body.status).toBe('committed');
      const found = await eventually(
        async () => {
          const res = await ops1.call('GET', '/ops/v1/transfers?id=con-1');
          return res.body.transfers?.[0];
        },
        15_000,
        'the transfer in the console',
      );
      expect(found).toMatchObject({
        transferId: 'con-1',
        status: 'committed',
        amountMinor: '1234',
        payer: 'hk-remit',
      });
      const block = await eventually(
        async () => events.blocks.find((b) => b.height === found.height),
        10_000,
        'its block event',
      );
      // From the finalized block's append to the broker to its arrival on the page's stream.
      const pushMs = block.receivedAtMs - Date.parse(block.finalizedAt);
      console.log(
        `console e2e: block ${block.height} pushed ${pushMs} ms after finality, ${block.receivedAtMs - Date.parse(block.blockTime)} ms after its block time`,
      );
      expect(pushMs).toBeLessThan(1_000);
      const byParticipant = await reg1.call('GET', '/ops/v1/transfers?participantId=mnl-payout&limit=5');
      expect(byParticipant.body.transfers.map((t: { transferId: string }) => t.transferId)).toContain(
        'con-1',
      );
      const detail = await reg1.call('GET', `/ops/v1/blocks/${found.height}`);
      expect(detail.body.signerSet.quorum).toBe(3);
      expect(detail.body.block.certificate.length).toBeGreaterThanOrEqual(3);
    } finally {
      events.close();
    }
  });

  it("answers a regulator's writes 403, and records an operator's window close", async () => {
    for (const [method, path] of [
      ['POST', '/ops/v1/clearing/windows/USD/close'],
      ['POST', '/ops/v1/alarms/x/acknowledge'],
      ['PUT', '/ops/v1/fx/spreads/USD/PHP'],
      ['POST', '/ops/v1/governance/proposals'],
      ['POST', '/ops/v1/users'],
    ]) {
      expect((await reg1.call(method, path, {})).status).toBe(403);
    }
    const closed = await ops1.call('POST', '/ops/v1/clearing/windows/USD/close');
    expect(closed.status).toBe(201);
    expect(closed.body.window).toMatchObject({
      currency: 'USD',
      status: expect.stringMatching(/closed|settling/),
    });
    const audit = await reg1.call('GET', '/ops/v1/audit?action=clearing.window.close');
    expect(audit.body.entries[0]).toMatchObject({
      actor: 'ops1',
      role: 'operator',
      outcome: 'ok',
      status: 201,
      target: 'currency=USD',
    });
    expect(
      audit.body.entries.some(
        (e: { actor: string; outcome: string }) => e.actor === 'reg1' && e.outcome === 'refused',
      ),
    ).toBe(true);
    expect((await reg1.call('GET', '/ops/v1/audit/verify')).body.ok).toBe(true);
  });

  it('stores a ledger alarm and lets an operator acknowledge it, with audit', async () => {
    await sendJson(producer, topicName('ledgerAlarms', net.network.options.topicPrefix), [
      {
        value: {
          v: 1,
          kind: 'no-quorum',
          height: 7,
          signerId: 's1',
          signers: ['s3', 's4'],
          detail: 'e2e: no quorum',
          accounts: [],
        },
      },
    ]);
    const alarm = await eventually(
      async () => {
        const res = await ops1.call('GET', '/ops/v1/alarms?state=active');
        return res.body.alarms?.find((a: { detail: string }) => a.detail === 'e2e: no quorum');
      },
      15_000,
      'the alarm',
    );
    expect(alarm).toMatchObject({ source: 'ledger', kind: 'no-quorum', signers: ['s3', 's4'] });
    expect((await reg1.call('POST', `/ops/v1/alarms/${alarm.id}/acknowledge`, {})).status).toBe(403);
    const ack = await ops1.call('POST', `/ops/v1/alarms/${alarm.id}/acknowledge`, {
      note: 'signers rebooting',
    });
    expect(ack.body.alarm).toMatchObject({ acknowledgedBy: 'ops1', note: 'signers rebooting' });
    expect((await ops1.call('POST', `/ops/v1/alarms/${alarm.id}/acknowledge`, {})).status).toBe(409);
    const audit = await reg1.call('GET', '/ops/v1/audit?action=alarm.acknowledge');
    expect(audit.body.entries[1] ?? audit.body.entries[0]).toMatchObject({ actor: 'ops1', outcome: 'ok' });
  });

  it('enacts a proposal once two operators approve it with their own keys', async () => {
    const action = {
      kind: 'set-limit',
      accountId: 'us-send/USD',
      limit: { kind: 'net-debit-cap', capMinor: '250000' },
    };
    const drafted = await ops1.call('POST', '/ops/v1/governance/proposals', { id: 'e2e-cap-1', action });
    expect(drafted.status).toBe(201);
    const p = drafted.body.proposal;
    expect(p).toMatchObject({ status: 'open', threshold: 2, chainId: 'e2e-console' });
    // What the browser does: sign the bytes computed from the proposal with the operator's own key.
    const sign = (keyId: string) => ({
      keyId,
      signature: signBytes(
        derivedKey(spec.secret, keyId),
        Buffer.from(governanceSigningBytes(p.chainId, p.id, action as never)),
      ),
    });
    expect(
      (await ops1.call('POST', `/ops/v1/governance/proposals/${p.id}/approvals`, sign('operator-2'))).body
        .code,
    ).toBe('NOT_YOUR_KEY');
    const forged = { keyId: 'operator-1', signature: sign('operator-2').signature };
    expect(
      (await ops1.call('POST', `/ops/v1/governance/proposals/${p.id}/approvals`, forged)).body.code,
    ).toBe('BAD_SIGNATURE');
    const first = await ops1.call(
      'POST',
      `/ops/v1/governance/proposals/${p.id}/approvals`,
      sign('operator-1'),
    );
    expect(first.body.proposal.status).toBe('open');
    const second = await ops2.call(
      'POST',
      `/ops/v1/governance/proposals/${p.id}/approvals`,
      sign('operator-2'),
    );
    expect(second.body.proposal.status).toBe('submitted');
    const enacted = await eventually(
      async () => {
        const res = await reg1.call('GET', `/ops/v1/governance/proposals/${p.id}`);
        return res.body.proposal.status === 'enacted' ? res.body.proposal : undefined;
      },
      20_000,
      'the proposal enacted',
    );
    expect(enacted.enactedHeight).toBeGreaterThan(1);
    const account = await eventually(
      async () => {
        const res = await reg1.call('GET', '/ops/v1/participants/us-send');
        const a = res.body.participant?.accounts.find((x: { id: string }) => x.id === 'us-send/USD');
        return a?.limit?.capMinor === '250000' ? a : undefined;
      },
      15_000,
      'the new cap',
    );
    expect(account.limit).toEqual({ kind: 'net-debit-cap', capMinor: '250000' });
  });
});

interface BlockEvent {
  height: number;
  blockTime: string;
  finalizedAt: string;
  receivedAtMs: number;
}

/** Reads the console's event stream in the background, keeping the block events and when they came. */
async function openEvents(url: string, cookie: string): Promise<{ blocks: BlockEvent[]; close: () => void }> {
  const controller = new AbortController();
  const res = await fetch(`${url}/ops/v1/events`, { headers: { cookie }, signal: controller.signal });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const blocks: BlockEvent[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const type = /^event: (.*)$/m.exec(message)?.[1];
          const data = /^data: (.*)$/m.exec(message)?.[1];
          if (type === 'block' && data)
            blocks.push({ ...(JSON.parse(data) as BlockEvent), receivedAtMs: Date.now() });
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return { blocks, close: () => controller.abort() };
}
