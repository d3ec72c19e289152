import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { ConcordClient, WebhookDelivery } from '@concord/sdk';
import { ConsortiumSpec } from '../../../libs/devtools/src/demo/consortium';
import { eventually, startTestNetwork, TestNetwork } from '@concord/testing';

/**
 * Webhooks through the real system: a partner subscribes through the signed API, a transfer is
 * finalized by the four signers, and the gateway's BullMQ worker POSTs the signed event to a local
 * receiver, retrying with backoff and ending dead after the last attempt.
 */
const spec: ConsortiumSpec = {
  chainId: 'e2e-webhooks',
  secret: 'e2e-webhooks-secret',
  signerCount: 4,
  quorum: 3,
  participants: [
    { id: 'hk-remit', name: 'HK Remit', currencies: ['USD'], fundsMinor: 1_000_000n },
    { id: 'mnl-payout', name: 'Manila Payout', currencies: ['USD'], fundsMinor: 1_000_000n },
    { id: 'sg-fx', name: 'SG FX', currencies: ['USD'], fundsMinor: 1_000_000n },
  ],
};

jest.setTimeout(120_000);

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/**
 * A partner's webhook endpoint on 127.0.0.1: /ok answers 200, /flaky answers 500 to the first two
 * attempts of each event and 200 to the third, /down always answers 500.
 */
async function startReceiver(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const tries = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const eventId = String(req.headers['concord-event-id']);
      const n = (tries.get(`${path} ${eventId}`) ?? 0) + 1;
      tries.set(`${path} ${eventId}`, n);
      const status = path === '/down' ? 500 : path === '/flaky' && n <= 2 ? 500 : 200;
      received.push({
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        answered: status,
      });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

describe('webhooks end to end', () => {
  let net: TestNetwork;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let hk: ConcordClient;
  const secrets = new Map<string, string>();
  const ids: Record<string, string> = {};

  const requestsFor = (path: string, transferId: string, type?: string) =>
    receiver.received.filter((r) => {
      if (r.path !== path) return false;
      const payload = JSON.parse(r.body) as { type: string; data: { id: string } };
      return payload.data.id === transferId && (!type || payload.type === type);
    });

  async function subscribe(client: ConcordClient, path: string, events: string[]): Promise<string> {
    const res = await client.createWebhook({ url: `${receiver.url}${path}`, events: events as never });
    expect(res.status).toBe(201);
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(res.headers.get('location')).toBe(`/v1/webhooks/${res.body.id}`);
    secrets.set(res.body.id, res.body.secret);
    return res.body.id;
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    net = await startTestNetwork(spec, {
      // Short backoff so that six attempts end within seconds (100, 200, 400, 800, 1600 ms).
      extraEnv: { gateway: { GATEWAY_WEBHOOK_BACKOFF_MS: '100', GATEWAY_WEBHOOK_TIMEOUT_MS: '2000' } },
    });
    hk = net.client('hk-remit');
    // The gateway stores the genesis members before it caches them: wait until every key is known.
    for (const p of spec.participants) {
      await eventually(async () => ((await net.client(p.id).me()).status === 200 ? true : undefined), 15_000);
    }
  });

  afterAll(async () => {
    await net?.stop();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  it('registers webhooks with strict validation and shows the secret only at creation', async () => {
    ids.hkOk = await subscribe(hk, '/ok', ['transfer.committed', 'transfer.rejected', 'transfer.reserved']);
    ids.mnlOk = await subscribe(net.client('mnl-payout'), '/ok', ['transfer.committed']);
    const list = await hk.listWebhooks();
    expect(list.status).toBe(200);
    expect(list.body.webhooks).toEqual([
      {
        id: ids.hkOk,
        url: `${receiver.url}/ok`,
        events: ['transfer.committed', 'transfer.rejected', 'transfer.reserved'],
        format: 'json',
        createdAt: expect.any(String),
      },
    ]);
    const cases: [unknown, string][] = [
      [{ url: 'ftp://127.0.0.1/x', events: ['transfer.committed'] }, 'url'],
      [{ url: 'not a url', events: ['transfer.committed'] }, 'url'],
      [{ url: `${receiver.url}/ok`, events: ['transfer.created'] }, 'events.0'],
      [{ url: `${receiver.url}/ok`, events: [] }, 'events'],
      [{ url: `${receiver.url}/ok`, events: ['transfer.committed'], secret: 'mine' }, 'secret'],
    ];
    for (const [body, field] of cases) {
      const res = await hk.request<{ code: string; errors: { field: string }[] }>(
        'POST',
        '/v1/webhooks',
        body,
      );
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe('INVALID_BODY');
      expect(res.body.errors.map((e) => e.field)).toContain(field);
    }
    expect((await hk.listWebhooks()).body.webhooks).toHaveLength(1);
  });

  it('delivers a committed transfer to the payer and the payee, signed, once', async () => {
    const created = await hk.createTransfer(
      { id: 'wh-1', payer: 'hk-remit', payee: 'mnl-payout', amount: '125.50', currency: 'USD' },
      { waitMs: 5000 },
    );
    expect(created.body.status).toBe('committed');
    const both = await eventually(
      async () => {
        const r = requestsFor('/ok', 'wh-1');
        return r.length >= 2 ? r : undefined;
      },
      15_000,
      'the event at the receiver',
    );
    const nowS = Math.floor(Date.now() / 1000);
    const bySubscription = new Map<string, Received>();
    for (const r of both) {
      const secret = [...secrets.entries()].find(([, s]) =>
        ConcordClient.verifyWebhookSignature(s, r.headers['concord-signature'] as string, r.body, { nowS }),
      );
      expect(secret).toBeDefined();
      bySubscription.set(secret![0], r);
      // Signed with this subscription's secret and no other.
      const others = [...secrets.entries()].filter(([id]) => id !== secret![0]);
      for (const [, s] of others) {
        expect(
          ConcordClient.verifyWebhookSignature(s, r.headers['concord-signature'] as string, r.body, { nowS }),
        ).toBe(false);
      }
      const payload = JSON.parse(r.body);
      expect(payload).toMatchObject({
        type: 'transfer.committed',
        data: {
          id: 'wh-1',
          status: 'committed',
          amount: '125.50',
          currency: 'USD',
          payer: 'hk-remit',
          payee: 'mnl-payout',
        },
      });
      expect(r.headers['concord-event-id']).toBe(payload.id);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['concord-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    }
    expect([...bySubscription.keys()].sort()).toEqual([ids.hkOk, ids.mnlOk].sort());
    // A tampered body does not verify.
    const one = both[0];
    const secret = [...secrets.values()].find((s) =>
      ConcordClient.verifyWebhookSignature(s, one.headers['concord-signature'] as string, one.body, { nowS }),
    )!;
    expect(
      ConcordClient.verifyWebhookSignature(
        secret,
        one.headers['concord-signature'] as string,
        one.body.replace('125.50', '999.99'),
        {
          nowS,
        },
      ),
    ).toBe(false);
    const log = await hk.webhookDeliveries(ids.hkOk);
    expect(log.status).toBe(200);
    const delivery = log.body.deliveries.find((d) => d.transferId === 'wh-1')!;
    expect(delivery).toMatchObject({ event: 'transfer.committed', status: 'delivered', attempts: 1 });
    expect(delivery.attemptLog).toEqual([
      { attempt: 1, statusCode: 200, durationMs: expect.any(Number), at: expect.any(String) },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(requestsFor('/ok', 'wh-1')).toHaveLength(2);
  });

  it('sends rejections and reservations to the subscriptions that asked for them', async () => {
    const broke = await hk.createTransfer(
      { id: 'wh-broke', payer: 'hk-remit', payee: 'mnl-payout', amount: '50000.00', currency: 'USD' },
      { waitMs: 5000 },
    );
    expect(broke.body.status).toBe('rejected');
    const held = await hk.createTransfer(
      {
        id: 'wh-held',
        payer: 'hk-remit',
        payee: 'mnl-payout',
        amount: '1.00',
        currency: 'USD',
        twoPhase: true,
      },
      { waitMs: 5000 },
    );
    expect(held.body.status).toBe('reserved');
    const [rejected] = await eventually(async () => {
      const r = requestsFor('/ok', 'wh-broke');
      return r.length ? r : undefined;
    });
    expect(JSON.parse(rejected.body)).toMatchObject({
      type: 'transfer.rejected',
      data: { status: 'rejected', reason: 'INSUFFICIENT_FUNDS' },
    });
    const [reserved] = await eventually(async () => {
      const r = requestsFor('/ok', 'wh-held');
      return r.length ? r : undefined;
    });
    expect(JSON.parse(reserved.body)).toMatchObject({ type: 'transfer.reserved', data: { twoPhase: true } });
    await new Promise((resolve) => setTimeout(resolve, 500));
    // mnl-payout subscribed to transfer.committed only.
    expect(requestsFor('/ok', 'wh-broke')).toHaveLength(1);
    expect(requestsFor('/ok', 'wh-held')).toHaveLength(1);
  });

  it('sends transfer.fulfilled, transfer.aborted and transfer.expired of two-phase transfers, signed', async () => {
    ids.twoPhase = await subscribe(hk, '/2p', ['transfer.fulfilled', 'transfer.aborted', 'transfer.expired']);
    const mnl = net.client('mnl-payout');
    const twoPhase = (id: string, extra: { expiresInMs?: number } = {}) =>
      hk.createTransfer(
        {
          id,
          payer: 'hk-remit',
          payee: 'mnl-payout',
          amount: '2.50',
          currency: 'USD',
          twoPhase: true,
          ...extra,
        },
        { waitMs: 5000 },
      );
    expect((await twoPhase('wh-2p-fulfil')).body.status).toBe('reserved');
    expect((await mnl.fulfilTransfer('wh-2p-fulfil', { waitMs: 5000 })).body.status).toBe('fulfilled');
    expect((await twoPhase('wh-2p-abort')).body.status).toBe('reserved');
    expect((await hk.abortTransfer('wh-2p-abort', { waitMs: 5000 })).body.status).toBe('aborted');
    // The shortest expiry the ledger takes; the next cut after it releases the reservation.
    expect((await twoPhase('wh-2p-expire', { expiresInMs: 1000 })).body.status).toBe('reserved');
    // The ledger has no wall clock: the first cut whose log time is past the expiry releases it, and a
    // cut follows a block's first record. On a quiet network, some later traffic brings it.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const tick = await hk.createTransfer(
      { id: 'wh-2p-tick', payer: 'hk-remit', payee: 'mnl-payout', amount: '0.01', currency: 'USD' },
      { waitMs: 5000 },
    );
    expect(tick.body.status).toBe('committed');
    const expected: [string, string, string][] = [
      ['wh-2p-fulfil', 'transfer.fulfilled', 'fulfilled'],
      ['wh-2p-abort', 'transfer.aborted', 'aborted'],
      ['wh-2p-expire', 'transfer.expired', 'expired'],
    ];
    const nowS = () => Math.floor(Date.now() / 1000);
    for (const [id, type, status] of expected) {
      const [request] = await eventually(
        async () => {
          const r = requestsFor('/2p', id);
          return r.length ? r : undefined;
        },
        15_000,
        `${type} of ${id} at the receiver`,
      );
      expect(request.headers['concord-event-type']).toBe(type);
      expect(
        ConcordClient.verifyWebhookSignature(
          secrets.get(ids.twoPhase)!,
          request.headers['concord-signature'] as string,
          request.body,
          { nowS: nowS() },
        ),
      ).toBe(true);
      const payload = JSON.parse(request.body);
      expect(payload).toMatchObject({
        type,
        data: { id, status, twoPhase: true, amount: '2.50', payer: 'hk-remit', payee: 'mnl-payout' },
      });
      expect(request.headers['concord-event-id']).toBe(payload.id);
      // As GET /v1/transfers/{id} shows it.
      expect(payload.data).toEqual((await hk.getTransfer(id)).body);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    // One event each, and none of the states this subscription did not ask for (reserved).
    for (const [id, type] of expected) {
      expect(requestsFor('/2p', id).map((r) => JSON.parse(r.body).type)).toEqual([type]);
    }
    const log = (await hk.webhookDeliveries(ids.twoPhase)).body.deliveries;
    expect(log.map((d) => [d.transferId, d.event, d.status]).sort()).toEqual(
      expected.map(([id, type]) => [id, type, 'delivered']).sort(),
    );
  });

  it('retries a failing receiver with backoff: two 500s, then delivered on the third attempt', async () => {
    ids.flaky = await subscribe(hk, '/flaky', ['transfer.committed']);
    await hk.createTransfer(
      { id: 'wh-flaky', payer: 'hk-remit', payee: 'sg-fx', amount: '2.00', currency: 'USD' },
      { waitMs: 5000 },
    );
    const delivery = await eventually(
      async () => {
        const d = (await hk.webhookDeliveries(ids.flaky)).body.deliveries.find(
          (x) => x.transferId === 'wh-flaky',
        );
        return d?.status === 'delivered' ? d : undefined;
      },
      20_000,
      'the third attempt',
    );
    expect(delivery.attempts).toBe(3);
    expect(delivery.attemptLog.map((a) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    // Exponential backoff: the gaps grow (100 ms, then 200 ms, plus the queue's own latency).
    const at = delivery.attemptLog.map((a) => Date.parse(a.at));
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(90);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(190);
    const seen = requestsFor('/flaky', 'wh-flaky');
    expect(seen.map((r) => r.answered)).toEqual([500, 500, 200]);
    // The same event id and body on every attempt; a fresh signature timestamp each time is allowed.
    expect(new Set(seen.map((r) => r.headers['concord-event-id'])).size).toBe(1);
    expect(new Set(seen.map((r) => r.body)).size).toBe(1);
    expect(seen.map((r) => r.headers['concord-delivery-attempt'])).toEqual(['1', '2', '3']);
  });

  it('marks a delivery dead after the last of six failed attempts, every attempt logged', async () => {
    ids.down = await subscribe(hk, '/down', ['transfer.committed']);
    await hk.createTransfer(
      { id: 'wh-down', payer: 'hk-remit', payee: 'sg-fx', amount: '3.00', currency: 'USD' },
      { waitMs: 5000 },
    );
    const dead = await eventually(
      async () => {
        const d = (await hk.webhookDeliveries(ids.down, { status: 'dead' })).body.deliveries.find(
          (x) => x.transferId === 'wh-down',
        );
        return d;
      },
      30_000,
      'the delivery to be dead',
    );
    expect(dead.attempts).toBe(6);
    expect(dead.attemptLog.map((a) => a.statusCode)).toEqual([500, 500, 500, 500, 500, 500]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(requestsFor('/down', 'wh-down')).toHaveLength(6);
    const rows = await net.query<{ status: string; attempts: number }>(
      `select status, attempts from gateway.webhook_deliveries where webhook_id = $1 and transfer_id = 'wh-down'`,
      [ids.down],
    );
    expect(rows).toEqual([{ status: 'dead', attempts: 6 }]);
  });

  it('keeps every partner to its own webhooks: another cannot list, read or delete them', async () => {
    const fx = net.client('sg-fx');
    expect((await fx.listWebhooks()).body.webhooks).toEqual([]);
    const del = await fx.deleteWebhook(ids.flaky);
    expect(del.status).toBe(404);
    expect((del.body as unknown as { code: string }).code).toBe('WEBHOOK_NOT_FOUND');
    expect((await fx.webhookDeliveries(ids.flaky)).status).toBe(404);
    expect((await net.client('mnl-payout').deleteWebhook(ids.hkOk)).status).toBe(404);
    expect((await hk.listWebhooks()).body.webhooks.map((w) => w.id).sort()).toEqual(
      [ids.hkOk, ids.twoPhase, ids.flaky, ids.down].sort(),
    );
    expect((await hk.deleteWebhook(ids.down)).status).toBe(204);
    expect((await hk.deleteWebhook(ids.down)).status).toBe(404);
    // The delivery log of a deleted webhook stays readable by its owner, and by nobody else.
    const kept = await hk.webhookDeliveries(ids.down);
    expect(kept.status).toBe(200);
    expect(kept.body.deliveries.map((d) => [d.transferId, d.status, d.attempts])).toEqual([
      ['wh-down', 'dead', 6],
    ]);
    expect((await fx.webhookDeliveries(ids.down)).status).toBe(404);
    expect((await hk.listWebhooks()).body.webhooks.map((w) => w.id)).not.toContain(ids.down);
    expect((await hk.deleteWebhook('wh_nope')).status).toBe(404);
  });

  it('never sends an event twice when the gateway applies the same blocks again after a restart', async () => {
    const before = new Map<string, number>();
    for (const r of receiver.received) {
      const key = `${r.path} ${r.headers['concord-event-id']}`;
      before.set(key, (before.get(key) ?? 0) + 1);
    }
    const [{ height }] = await net.query<{ height: number }>(
      `select height from gateway.cursors where name = 'finalized'`,
    );
    await net.network.stop('gateway');
    // Rewind the read model: every block since the first webhook will be applied a second time.
    const [first] = await net.query<{ h: number }>(
      `select min(block_height) as h from gateway.webhook_deliveries`,
    );
    await net.query(`update gateway.cursors set height = $1 where name in ('finalized', 'postings')`, [
      first.h - 1,
    ]);
    await net.query(`update gateway.blocks set applied = false where height >= $1`, [first.h]);
    net.network.start('gateway');
    await net.network.waitUntilReady(60_000);
    // A new block makes the gateway apply everything after the rewound cursor, then the new block.
    const after = await hk.createTransfer(
      { id: 'wh-after', payer: 'hk-remit', payee: 'mnl-payout', amount: '4.00', currency: 'USD' },
      { waitMs: 5000 },
    );
    expect(after.body.status).toBe('committed');
    expect(after.body.blockHeight).toBeGreaterThan(height);
    await eventually(async () => (requestsFor('/ok', 'wh-after').length >= 2 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const counts = new Map<string, number>();
    for (const r of receiver.received) {
      const key = `${r.path} ${r.headers['concord-event-id']}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, n] of before) expect([key, counts.get(key)]).toEqual([key, n]);
    expect(requestsFor('/ok', 'wh-after')).toHaveLength(2);
    const deliveries: WebhookDelivery[] = (await hk.webhookDeliveries(ids.hkOk)).body.deliveries;
    expect(deliveries.filter((d) => d.transferId === 'wh-1')).toHaveLength(1);
  });

  it('sends an iso20022 subscription pacs.002 status reports and camt.054 credit notifications', async () => {
    const iso = (client: ConcordClient) =>
      client.createWebhook({
        url: `${receiver.url}/iso`,
        events: ['transfer.committed', 'transfer.rejected'],
        format: 'iso20022',
      });
    const hkIso = await iso(hk);
    expect(hkIso.body).toMatchObject({ format: 'iso20022' });
    expect((await iso(net.client('mnl-payout'))).status).toBe(201);
    await hk.createTransfer(
      { id: 'wh-iso-1', payer: 'hk-remit', payee: 'mnl-payout', amount: '12.34', currency: 'USD' },
      { waitMs: 5000 },
    );
    await hk.createTransfer(
      { id: 'wh-iso-2', payer: 'hk-remit', payee: 'mnl-payout', amount: '99999.00', currency: 'USD' },
      { waitMs: 5000 },
    );
    const messages = await eventually(
      async () => {
        const r = receiver.received.filter((m) => m.path === '/iso');
        return r.length >= 4 ? r : undefined;
      },
      15_000,
      'the ISO 20022 messages at the receiver',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received.filter((m) => m.path === '/iso')).toHaveLength(4);
    for (const m of messages) expect(m.headers['content-type']).toBe('application/xml; charset=utf-8');
    const byType = (type: string) =>
      messages.filter((m) => m.headers['concord-event-type'] === type).map((m) => m.body);
    const committed = byType('transfer.committed');
    // The payer's status report and the payee's credit notification of wh-iso-1.
    expect(committed.find((b) => b.includes('pacs.002.001.10'))).toMatch(
      /<OrgnlEndToEndId>wh-iso-1<\/OrgnlEndToEndId>[\s\S]*<TxSts>ACSC<\/TxSts>[\s\S]*<IntrBkSttlmAmt Ccy="USD">12.34<\/IntrBkSttlmAmt>/,
    );
    expect(committed.find((b) => b.includes('camt.054.001.08'))).toMatch(
      /<Id>mnl-payout\/USD<\/Id>[\s\S]*<Amt Ccy="USD">12.34<\/Amt>\s*<CdtDbtInd>CRDT<\/CdtDbtInd>[\s\S]*<EndToEndId>wh-iso-1<\/EndToEndId>/,
    );
    // A rejection is a status report to both parties (no money moved), with the ledger's reason code.
    const rejected = byType('transfer.rejected');
    expect(rejected).toHaveLength(2);
    for (const body of rejected)
      expect(body).toMatch(
        /<OrgnlEndToEndId>wh-iso-2<\/OrgnlEndToEndId>[\s\S]*<TxSts>RJCT<\/TxSts>\s*<StsRsnInf>/,
      );
  });
});
