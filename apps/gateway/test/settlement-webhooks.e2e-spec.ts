import type { Kafka } from 'kafkajs';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { topicName } from '@concord/contracts';
import { createKafka, createProducer } from '@concord/kafka';
import { ConcordClient } from '@concord/sdk';
import { ConsortiumSpec } from '../../../libs/devtools/src/demo/consortium';
import {
  eventually,
  freePort,
  startTestNetwork,
  deleteTestTopics,
  TEST_KAFKA_BROKERS,
  TestNetwork,
} from '@concord/testing';

/**
 * Settlement webhooks and the gateway's metrics through the real network: transfers finalized by four
 * signers, a settlement window closed at the clearing service's operator API, the instructions and the
 * bank's confirmation published on clearing.events, and the gateway POSTing each partner the events of
 * its own instructions, signed, once, even when Kafka delivers an event twice.
 */
const spec: ConsortiumSpec = {
  chainId: 'e2e-settlement-webhooks',
  secret: 'e2e-settlement-webhooks-secret',
  signerCount: 4,
  quorum: 3,
  participants: [
    { id: 'hk-remit', name: 'HK Remit', currencies: ['USD'], fundsMinor: 1_000_000n },
    { id: 'mnl-payout', name: 'Manila Payout', currencies: ['USD'], fundsMinor: 1_000_000n },
    { id: 'sg-fx', name: 'SG FX', currencies: ['USD'], fundsMinor: 1_000_000n },
    // No prefunding, a net debit cap of 1,000.00 USD: its limit alarm fires below -800.00.
    { id: 'cap-co', name: 'Capped Co', currencies: ['USD'], capMinor: 100_000n },
  ],
};

const SETTLEMENT_EVENTS = [
  'settlement.instruction.created',
  'settlement.instruction.confirmed',
  'settlement.instruction.reversed',
];

jest.setTimeout(180_000);

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface SettlementPayload {
  id: string;
  type: string;
  createdAt: string;
  data: {
    id: string;
    windowId: number;
    participantId: string;
    currency: string;
    direction: string;
    amount: string;
    confirmed: string;
    outstanding: string;
    valueDate: string;
    status: string;
    confirmation?: { bankReference: string; amount: string };
  };
}

/** Each partner's webhook endpoint on 127.0.0.1 (/hk, /mnl, /sg), answering 200 to everything. */
async function startReceiver(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

/** The value of one series in a Prometheus text exposition, selected by some of its labels. */
function sample(metrics: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => inner.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf('}') + 1).trim());
  }
  return undefined;
}

describe('settlement webhooks and metrics end to end', () => {
  let net: TestNetwork;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let clearingApi: string;
  let prefix: string;
  const secrets: Record<string, string> = {};
  const webhookIds: Record<string, string> = {};
  /** Raw clearing.events records as the clearing service published them. */
  const published: { key: string | null; value: string }[] = [];
  let eventsConsumer: ReturnType<Kafka['consumer']> | null = null;
  let instructions: {
    id: string;
    participantId: string;
    direction: string;
    amount: string;
    valueDate: string;
  }[];
  let windowId: number;

  const settlementAt = (path: string, type?: string) =>
    receiver.received
      .filter((r) => r.path === path)
      .map((r) => ({ r, payload: JSON.parse(r.body) as SettlementPayload }))
      .filter(({ payload }) => payload.type.startsWith('settlement.') && (!type || payload.type === type));

  const clearing = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${clearingApi}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${net.network.operatorToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const metrics = async () => {
    const res = await fetch(`${net.network.gatewayUrl}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    const port = await freePort();
    clearingApi = `http://127.0.0.1:${port}`;
    net = await startTestNetwork(spec, {
      extraEnv: {
        clearing: { CLEARING_PORT: String(port) },
        gateway: { GATEWAY_WEBHOOK_BACKOFF_MS: '100', GATEWAY_WEBHOOK_TIMEOUT_MS: '2000' },
      },
    });
    prefix = net.network.options.topicPrefix;
    const kafka = createKafka({
      brokers: TEST_KAFKA_BROKERS,
      clientId: 'e2e-settlement',
      topicPrefix: prefix,
    });
    eventsConsumer = kafka.consumer({ groupId: `${prefix}-e2e-settlement-events` });
    await eventsConsumer.connect();
    await eventsConsumer.subscribe({ topic: topicName('clearingEvents', prefix), fromBeginning: true });
    await eventsConsumer.run({
      eachMessage: async ({ message }) => {
        published.push({ key: message.key?.toString() ?? null, value: message.value!.toString() });
      },
    });
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
    await eventsConsumer?.disconnect();
    await net?.stop();
    await new Promise((resolve) => receiver?.server.close(resolve));
    if (prefix) {
      await deleteTestTopics(prefix);
    }
  });

  it("delivers each partner its own settlement instruction, signed, once, and nobody else's", async () => {
    for (const [id, path] of [
      ['hk-remit', '/hk'],
      ['mnl-payout', '/mnl'],
      ['sg-fx', '/sg'],
    ]) {
      const res = await net
        .client(id)
        .createWebhook({ url: `${receiver.url}${path}`, events: SETTLEMENT_EVENTS as never });
      expect(res.status).toBe(201);
      expect(res.body.events).toEqual(SETTLEMENT_EVENTS);
      secrets[id] = res.body.secret;
      webhookIds[id] = res.body.id;
    }
    const transfer = await net
      .client('hk-remit')
      .createTransfer(
        { id: 'stl-1', payer: 'hk-remit', payee: 'mnl-payout', amount: '100.00', currency: 'USD' },
        { waitMs: 10_000 },
      );
    expect(transfer.body.status).toBe('committed');

    // The clearing service has the transfer in the open USD window, then an operator closes it.
    await eventually(
      async () => {
        const { body } = await clearing('GET', '/windows?currency=USD&status=open');
        const w = (body.windows as { id: number }[])[0];
        if (!w) return undefined;
        return (await clearing('GET', `/windows/${w.id}`)).body.gross === '100.00' ? true : undefined;
      },
      30_000,
      'the transfer in the USD window',
    );
    const closed = await clearing('POST', '/windows/USD/close');
    expect(closed.status).toBe(201);
    windowId = closed.body.id as number;
    instructions = closed.body.instructions as typeof instructions;
    expect(instructions.map((i) => [i.participantId, i.direction, i.amount])).toEqual([
      ['hk-remit', 'pay-in', '100.00'],
      ['mnl-payout', 'pay-out', '100.00'],
    ]);

    const [hk] = await eventually(
      async () => {
        const r = settlementAt('/hk', 'settlement.instruction.created');
        return r.length ? r : undefined;
      },
      30_000,
      "hk-remit's instruction webhook",
    );
    const [mnl] = await eventually(
      async () => {
        const r = settlementAt('/mnl', 'settlement.instruction.created');
        return r.length ? r : undefined;
      },
      30_000,
      "mnl-payout's instruction webhook",
    );

    const hkInstruction = instructions.find((i) => i.participantId === 'hk-remit')!;
    expect(hk.payload).toEqual({
      id: expect.stringMatching(/^evt_[0-9a-f]{32}$/),
      type: 'settlement.instruction.created',
      createdAt: expect.any(String),
      data: {
        id: hkInstruction.id,
        windowId,
        participantId: 'hk-remit',
        currency: 'USD',
        direction: 'pay-in',
        amount: '100.00',
        confirmed: '0.00',
        outstanding: '100.00',
        valueDate: hkInstruction.valueDate,
        status: 'pending',
      },
    });
    expect(mnl.payload.data).toMatchObject({
      participantId: 'mnl-payout',
      direction: 'pay-out',
      amount: '100.00',
    });

    // Signed with the receiving partner's secret and with no other partner's.
    const nowS = Math.floor(Date.now() / 1000);
    const verifies = (secret: string, r: Received) =>
      ConcordClient.verifyWebhookSignature(secret, r.headers['concord-signature'] as string, r.body, {
        nowS,
      });
    expect(verifies(secrets['hk-remit'], hk.r)).toBe(true);
    expect(verifies(secrets['mnl-payout'], hk.r)).toBe(false);
    expect(verifies(secrets['mnl-payout'], mnl.r)).toBe(true);
    expect(verifies(secrets['hk-remit'], mnl.r)).toBe(false);
    expect(verifies(secrets['hk-remit'], { ...hk.r, body: hk.r.body.replace('100.00', '1.00') })).toBe(false);
    expect(hk.r.headers['concord-event-id']).toBe(hk.payload.id);
    expect(hk.r.headers['concord-event-type']).toBe('settlement.instruction.created');

    // The delivery log names the instruction.
    const log = await net.client('hk-remit').webhookDeliveries(webhookIds['hk-remit']);
    expect(log.body.deliveries).toEqual([
      expect.objectContaining({
        event: 'settlement.instruction.created',
        instructionId: hkInstruction.id,
        status: 'delivered',
        attempts: 1,
      }),
    ]);

    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(settlementAt('/hk')).toHaveLength(1);
    expect(settlementAt('/mnl')).toHaveLength(1);
    // sg-fx netted to zero: it has no instruction and hears of nobody else's.
    expect(settlementAt('/sg')).toHaveLength(0);
  });

  it('sends a clearing event that Kafka delivers twice only once, and confirmations to the participant only', async () => {
    const hkInstruction = instructions.find((i) => i.participantId === 'hk-remit')!;
    const original = await eventually(
      async () =>
        published.find((p) => {
          const e = JSON.parse(p.value) as { type: string; instruction?: { instructionId: string } };
          return e.type === 'instruction.created' && e.instruction?.instructionId === hkInstruction.id;
        }),
      15_000,
      'the instruction.created record',
    );
    // The outbox publishing again after a crash: the very same record, same key (same partition).
    const producer = await createProducer(
      createKafka({ brokers: TEST_KAFKA_BROKERS, clientId: 'e2e-redelivery', topicPrefix: prefix }),
    );
    await producer.send({
      topic: topicName('clearingEvents', prefix),
      acks: -1,
      messages: [{ key: original.key, value: original.value }],
    });
    await producer.disconnect();

    // The bank confirms part of hk-remit's pay-in; its event follows the copy on the same partition, so
    // once its webhook arrived, the gateway has taken the copy in too.
    const confirm = await clearing('POST', `/instructions/${hkInstruction.id}/confirm`, {
      bankReference: 'bank-1',
      amount: '40.00',
    });
    expect(confirm.status).toBe(200);
    const [confirmed] = await eventually(
      async () => {
        const r = settlementAt('/hk', 'settlement.instruction.confirmed');
        return r.length ? r : undefined;
      },
      30_000,
      'the confirmation webhook',
    );
    expect(confirmed.payload.data).toMatchObject({
      id: hkInstruction.id,
      participantId: 'hk-remit',
      amount: '100.00',
      confirmed: '40.00',
      outstanding: '60.00',
      status: 'partially-confirmed',
      confirmation: { bankReference: 'bank-1', amount: '40.00' },
    });
    expect(settlementAt('/hk', 'settlement.instruction.created')).toHaveLength(1);

    const reversed = await clearing('POST', `/instructions/${hkInstruction.id}/reverse`, {
      bankReference: 'bank-1',
    });
    expect(reversed.status).toBe(200);
    const [reversal] = await eventually(
      async () => {
        const r = settlementAt('/hk', 'settlement.instruction.reversed');
        return r.length ? r : undefined;
      },
      30_000,
      'the reversal webhook',
    );
    expect(reversal.payload.data).toMatchObject({
      confirmed: '0.00',
      outstanding: '100.00',
      status: 'pending',
      confirmation: { bankReference: 'bank-1', amount: '40.00' },
    });
    expect(
      ConcordClient.verifyWebhookSignature(
        secrets['hk-remit'],
        reversal.r.headers['concord-signature'] as string,
        reversal.r.body,
      ),
    ).toBe(true);

    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(settlementAt('/hk').map(({ payload }) => payload.type)).toEqual(SETTLEMENT_EVENTS);
    expect(settlementAt('/mnl').map(({ payload }) => payload.type)).toEqual([
      'settlement.instruction.created',
    ]);
    expect(settlementAt('/sg')).toHaveLength(0);
    // Each webhook request carried a different event.
    const ids = receiver.received.map((r) => r.headers['concord-event-id']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(
      sample(await metrics(), 'gateway_clearing_events_total', {
        type: 'instruction.created',
        result: 'duplicate',
      }),
    ).toBe(1);
  });

  it('exposes request durations by route template, transfer outcomes, auth refusals and webhook results', async () => {
    const hk = net.client('hk-remit');
    expect((await hk.getTransfer('stl-1')).status).toBe(200);
    const unsigned = await fetch(`${net.network.gatewayUrl}/v1/accounts`);
    expect(unsigned.status).toBe(401);
    const text = await eventually(async () => {
      const t = await metrics();
      // The histogram is observed after the response is sent: wait for the last requests to show.
      return sample(t, 'gateway_auth_refusals_total', { reason: 'SIGNATURE_MISSING' }) ? t : undefined;
    });
    expect(text).toContain('# TYPE gateway_http_request_duration_seconds histogram');
    const posts = sample(text, 'gateway_http_request_duration_seconds_count', {
      method: 'POST',
      route: '/v1/transfers',
    });
    expect(posts).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'gateway_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/v1/transfers/:id',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'gateway_http_request_duration_seconds_bucket', {
        route: '/v1/transfers/:id',
        le: '+Inf',
      }),
    ).toBeGreaterThanOrEqual(1);
    // Route templates only: the transfer id never becomes a label value.
    expect(text).not.toContain('stl-1');
    expect(sample(text, 'gateway_transfers_accepted_total', { service: 'gateway' })).toBe(1);
    // Genesis funds and stl-1 are committed outcomes of finalized blocks.
    expect(
      sample(text, 'gateway_transfers_finalized_total', { status: 'committed', reason: '' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'gateway_auth_refusals_total', { reason: 'SIGNATURE_MISSING' })).toBe(1);
    expect(
      sample(text, 'gateway_webhook_deliveries_total', {
        event: 'settlement.instruction.created',
        result: 'delivered',
      }),
    ).toBe(2);
    expect(
      sample(text, 'gateway_clearing_events_total', { type: 'instruction.created', result: 'queued' }),
    ).toBe(2);
  });

  // Last: it moves cap-co's position, which no other example expects.
  it('tells a partner, by webhook, when its position crosses the alarm share of its cap, and nobody else', async () => {
    const capCo = net.client('cap-co');
    const hook = await capCo.createWebhook({
      url: `${receiver.url}/cap`,
      events: ['limit.alarm', 'limit.cleared'],
    });
    expect(hook.status).toBe(201);
    const sent = await capCo.createTransfer(
      { id: 'cap-1', payer: 'cap-co', payee: 'mnl-payout', amount: '900.00', currency: 'USD' },
      { waitMs: 10_000 },
    );
    expect(sent.body.status).toBe('committed');
    const alarm = await eventually(
      async () => receiver.received.find((r) => r.path === '/cap'),
      30_000,
      "cap-co's limit alarm webhook",
    );
    const payload = JSON.parse(alarm.body) as { type: string; data: Record<string, unknown> };
    expect(payload).toMatchObject({
      type: 'limit.alarm',
      data: {
        accountId: 'cap-co/USD',
        participantId: 'cap-co',
        currency: 'USD',
        position: '-900.00',
        cap: '1000.00',
        threshold: '-800.00',
      },
    });
    const nowS = Math.floor(Date.now() / 1000);
    expect(
      ConcordClient.verifyWebhookSignature(
        hook.body.secret,
        alarm.headers['concord-signature'] as string,
        alarm.body,
        {
          nowS,
        },
      ),
    ).toBe(true);
    const log = await capCo.webhookDeliveries(hook.body.id);
    expect(log.body.deliveries).toEqual([
      expect.objectContaining({ event: 'limit.alarm', accountId: 'cap-co/USD', status: 'delivered' }),
    ]);
    // Other partners' receivers heard nothing of it.
    expect(receiver.received.filter((r) => r.path !== '/cap' && r.body.includes('limit.'))).toEqual([]);
  });
});
