import { signRequest } from '@concord/crypto';
import { ConcordClient } from '@concord/sdk';
import { ConsortiumSpec, participantKey } from '../../../libs/devtools/src/demo/consortium';
import { eventually, startTestNetwork, TestNetwork } from '@concord/testing';

/**
 * The API's guards through the real system: Idempotency-Key on every POST, replayed reads, the rate limit
 * over HTTP, and the webhook URL policy and cap, with the gateway's production defaults for webhook URLs.
 */
const spec: ConsortiumSpec = {
  chainId: 'e2e-partner-api',
  fxProvider: 'sg-fx',
  secret: 'e2e-partner-api-secret',
  signerCount: 4,
  quorum: 3,
  participants: [
    { id: 'hk-remit', name: 'HK Remit', currencies: ['USD'], fundsMinor: 1_000_000n },
    { id: 'mnl-payout', name: 'Manila Payout', currencies: ['USD', 'PHP'], fundsMinor: 1_000_000n },
    { id: 'sg-fx', name: 'SG FX', currencies: ['USD', 'PHP'], fundsMinor: 5_000_000n },
    { id: 'us-send', name: 'US Send', currencies: ['USD'], fundsMinor: 1_000_000n },
  ],
};

// Low enough for the last example to pass it at once, high enough that the other examples' bursts of one
// partner (concurrent keys, retries) stay under it even on a fast machine.
const RATE_LIMIT_PER_S = 60;
const WEBHOOK_CAP = 3;

jest.setTimeout(120_000);

type Problem = { code: string; status: number; errors?: { field: string; message: string }[] };

describe('idempotency, replays, rate limits and webhook URLs end to end', () => {
  let net: TestNetwork;
  let hk: ConcordClient;
  let mnl: ConcordClient;
  /** One attempt per call: the tests look at each answer, 409s and 429s included. */
  const once = (id: string) => {
    const { keyId, key } = participantKey(spec, id);
    return new ConcordClient({ baseUrl: net.network.gatewayUrl, keyId, seedHex: key.seedHex, attempts: 1 });
  };
  const transfer = (id: string, amount = '1.00') => ({
    id,
    payer: 'hk-remit',
    payee: 'mnl-payout',
    amount,
    currency: 'USD',
  });

  beforeAll(async () => {
    net = await startTestNetwork(spec, {
      extraEnv: {
        gateway: {
          GATEWAY_RATE_LIMIT_PER_S: String(RATE_LIMIT_PER_S),
          GATEWAY_WEBHOOK_MAX_PER_PARTICIPANT: String(WEBHOOK_CAP),
          // The production default, which the test harness turns off for its local receivers.
          GATEWAY_WEBHOOK_ALLOW_PRIVATE_URLS: 'false',
        },
      },
    });
    hk = once('hk-remit');
    mnl = once('mnl-payout');
    for (const p of spec.participants) {
      await eventually(async () => ((await once(p.id).me()).status === 200 ? true : undefined), 15_000);
    }
  });

  afterAll(async () => {
    await net?.stop();
  });

  it('answers a transfer retried with its Idempotency-Key with the first response, and refuses the key for another request', async () => {
    const first = await hk.createTransfer(transfer('idem-1'), { waitMs: 5000, idempotencyKey: 'key-1' });
    // Committed within the wait: 201.
    expect(first.status).toBe(201);
    expect(first.body.status).toBe('committed');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // The first response again, status 201 and body, although the transfer is known now (200 without a key).
    const again = await hk.createTransfer(transfer('idem-1'), { idempotencyKey: 'key-1' });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe('/v1/transfers/idem-1');
    // The caller's id keeps working as before.
    const byId = await hk.createTransfer(transfer('idem-1'));
    expect(byId.status).toBe(200);
    expect(byId.body.status).toBe('committed');
    // The same key with another body, or on another path, is refused.
    const otherBody = await hk.request<Problem>('POST', '/v1/transfers', transfer('idem-2'), {
      idempotencyKey: 'key-1',
    });
    expect(otherBody.status).toBe(409);
    expect(otherBody.headers.get('content-type')).toContain('application/problem+json');
    expect(otherBody.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const otherPath = await hk.request<Problem>(
      'POST',
      '/v1/transfer-batches',
      { transfers: [transfer('idem-1')] },
      { idempotencyKey: 'key-1' },
    );
    expect(otherPath.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await hk.getTransfer('idem-2')).status).toBe(404);
    // Keys are per participant: another partner's key-1 is its own.
    const theirs = await mnl.request<{ id: string; status: string }>(
      'POST',
      '/v1/transfers',
      { ...transfer('idem-mnl'), payer: 'mnl-payout', payee: 'hk-remit' },
      { idempotencyKey: 'key-1' },
    );
    expect(theirs.status).toBe(202);
    expect(theirs.body.id).toBe('idem-mnl');
  });

  it('keeps the first answer of batches, fulfils, aborts, webhooks and quotes for their keys', async () => {
    const batch = { transfers: [transfer('idem-b1'), transfer('idem-b2')] };
    const b1 = await hk.request('POST', '/v1/transfer-batches?wait=5000', batch, { idempotencyKey: 'b-1' });
    const b2 = await hk.request('POST', '/v1/transfer-batches', batch, { idempotencyKey: 'b-1' });
    expect(b1.status).toBe(201);
    expect([b2.status, b2.body]).toEqual([201, b1.body]);

    for (const id of ['idem-2p-f', 'idem-2p-a']) {
      const held = await hk.createTransfer({ ...transfer(id), twoPhase: true }, { waitMs: 5000 });
      expect(held.body.status).toBe('reserved');
    }
    const f1 = await mnl.fulfilTransfer('idem-2p-f', { idempotencyKey: 'f-1' });
    const f2 = await mnl.fulfilTransfer('idem-2p-f', { idempotencyKey: 'f-1', waitMs: 5000 });
    expect(f1.status).toBe(202);
    expect([f2.status, f2.body, f2.headers.get('idempotent-replayed')]).toEqual([202, f1.body, 'true']);
    // Fulfil and abort are different paths: one key cannot serve both.
    const crossed = await mnl.request<Problem>(
      'POST',
      '/v1/transfers/idem-2p-f/abort',
      {},
      {
        idempotencyKey: 'f-1',
      },
    );
    expect(crossed.status).toBe(409);
    expect(crossed.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const a1 = await hk.abortTransfer('idem-2p-a', { idempotencyKey: 'a-1', waitMs: 5000 });
    const a2 = await hk.abortTransfer('idem-2p-a', { idempotencyKey: 'a-1' });
    expect(a1.body.status).toBe('aborted');
    expect([a2.status, a2.body]).toEqual([a1.status, a1.body]);
    await eventually(async () =>
      (await hk.getTransfer('idem-2p-f')).body.status === 'fulfilled' ? true : undefined,
    );

    const webhook = {
      url: 'https://hooks.hk-remit.example/concord',
      events: ['transfer.committed' as const],
    };
    const w1 = await hk.createWebhook(webhook, { idempotencyKey: 'w-1' });
    const w2 = await hk.createWebhook(webhook, { idempotencyKey: 'w-1' });
    expect(w1.status).toBe(201);
    // The retry gets the same subscription and its secret (the first answer was perhaps never read).
    expect([w2.status, w2.body]).toEqual([201, w1.body]);
    expect((await hk.listWebhooks()).body.webhooks.map((w) => w.id)).toEqual([w1.body.id]);

    const ask = { sourceCurrency: 'USD', targetCurrency: 'PHP', sendAmount: '10.00', payee: 'mnl-payout' };
    const q1 = await hk.createQuote(ask, { idempotencyKey: 'q-1' });
    const q2 = await hk.createQuote(ask, { idempotencyKey: 'q-1' });
    expect(q1.status).toBe(201);
    expect([q2.status, q2.body]).toEqual([201, q1.body]);
    // Without the key, a new quote.
    const q3 = await hk.createQuote(ask);
    expect(q3.status).toBe(201);
    expect(q3.body).not.toEqual(q1.body);
  });

  it('runs one of concurrent requests with one key and answers the others 409 in progress', async () => {
    const answers = await Promise.all(
      Array.from({ length: 4 }, () =>
        hk.request<{ code?: string; status: string }>('POST', '/v1/transfers?wait=5000', transfer('idem-c'), {
          idempotencyKey: 'c-1',
        }),
      ),
    );
    const ran = answers.filter((a) => a.status === 201 && a.headers.get('idempotent-replayed') === null);
    expect(ran).toHaveLength(1);
    const busy = answers.filter((a) => a.status === 409);
    expect(busy.length).toBeGreaterThanOrEqual(1);
    for (const b of busy) {
      expect(b.body.code).toBe('IDEMPOTENCY_KEY_IN_PROGRESS');
      expect(b.headers.get('retry-after')).toBe('1');
    }
    for (const a of answers) expect([201, 409]).toContain(a.status);
    // Once the first answered, the key gives its answer.
    const later = await hk.createTransfer(transfer('idem-c'), { waitMs: 5000, idempotencyKey: 'c-1' });
    expect([later.status, later.body]).toEqual([201, ran[0].body]);
  });

  it('checks keys, and never reads or claims one for a request that is not authenticated', async () => {
    for (const bad of ['has space', 'x'.repeat(256), 'ü']) {
      const res = await hk.request<Problem>('POST', '/v1/transfers', transfer('idem-bad'), {
        idempotencyKey: bad,
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('INVALID_IDEMPOTENCY_KEY');
    }
    // key-1 is hk-remit's: a request without a valid signature gets 401, not the stored answer.
    const res = await fetch(`${net.network.gatewayUrl}/v1/transfers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'key-1' },
      body: JSON.stringify(transfer('idem-1')),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as Problem).code).toBe('SIGNATURE_MISSING');
  });

  it('refuses a replayed read with 401', async () => {
    const { keyId, key } = participantKey(spec, 'hk-remit');
    const headers = signRequest(key, {
      method: 'GET',
      path: '/v1/accounts',
      query: '',
      body: '',
      created: Math.floor(Date.now() / 1000),
      keyId,
      nonce: 'replayed-read-1',
    });
    const first = await fetch(`${net.network.gatewayUrl}/v1/accounts`, { headers });
    expect(first.status).toBe(200);
    const replay = await fetch(`${net.network.gatewayUrl}/v1/accounts`, { headers });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as Problem).code).toBe('REPLAYED_REQUEST');
  });

  it('refuses webhook URLs on loopback, private and link-local addresses by default', async () => {
    const us = once('us-send');
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://api.localhost/hook',
      'http://10.1.2.3/hook',
      'http://172.16.0.9/hook',
      'http://192.168.1.1/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://0.0.0.0/hook',
      'http://[::1]/hook',
      'http://[fd00::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://2130706433/hook',
    ]) {
      const res = await us.request<Problem>('POST', '/v1/webhooks', { url, events: ['transfer.committed'] });
      expect([url, res.status, res.body.code]).toEqual([url, 400, 'WEBHOOK_URL_NOT_ALLOWED']);
      expect(res.body.errors?.[0]?.field).toBe('url');
    }
    expect((await us.listWebhooks()).body.webhooks).toEqual([]);
  });

  it('keeps to the webhook cap under concurrent creations', async () => {
    const fx = once('sg-fx');
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        fx.createWebhook({ url: `https://hooks.sg-fx.example/${i}`, events: ['transfer.committed'] }),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(WEBHOOK_CAP);
    const refused = answers.filter((a) => a.status !== 201);
    expect(refused).toHaveLength(8 - WEBHOOK_CAP);
    for (const r of refused) expect((r.body as unknown as Problem).code).toBe('TOO_MANY_WEBHOOKS');
    expect((await fx.listWebhooks()).body.webhooks).toHaveLength(WEBHOOK_CAP);
  });

  it('refuses a transfer to oneself at once with 400 naming payee, single and in a batch', async () => {
    const single = await hk.createTransfer({ ...transfer('self-1'), payee: 'hk-remit' });
    expect(single.status).toBe(400);
    expect((single.body as unknown as Problem).errors).toEqual([
      { field: 'payee', message: 'must differ from payer' },
    ]);
    const batch = await hk.createTransferBatch([
      transfer('self-2'),
      { ...transfer('self-3'), payee: 'hk-remit' },
    ]);
    expect(batch.status).toBe(400);
    expect((batch.body as unknown as Problem).errors?.map((e) => e.field)).toEqual(['transfers.1.payee']);
    expect((await hk.getTransfer('self-2')).status).toBe(404);
  });

  it('answers what Fastify refuses before routing as problem+json: a bad URL 400, a long id 414', async () => {
    const badUrl = await fetch(`${net.network.gatewayUrl}/v1/transfers/%ZZ`);
    expect(badUrl.status).toBe(400);
    expect(badUrl.headers.get('content-type')).toContain('application/problem+json');
    expect(((await badUrl.json()) as Problem).code).toBe('BAD_URL');
    const longId = await fetch(`${net.network.gatewayUrl}/v1/transfers/${'x'.repeat(5_000)}`);
    expect(longId.status).toBe(414);
    expect(longId.headers.get('content-type')).toContain('application/problem+json');
    expect(((await longId.json()) as Problem).code).toBe('URI_TOO_LONG');
  });

  // Last: it uses up the participant's requests of the current second.
  it('answers 429 with Retry-After past GATEWAY_RATE_LIMIT_PER_S requests of one participant per second', async () => {
    const us = once('us-send');
    const answers = await Promise.all(Array.from({ length: RATE_LIMIT_PER_S * 3 }, () => us.accounts()));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(RATE_LIMIT_PER_S * 2);
    for (const a of limited) {
      expect(a.headers.get('retry-after')).toBe('1');
      expect(a.headers.get('content-type')).toContain('application/problem+json');
      expect((a.body as unknown as Problem).code).toBe('RATE_LIMITED');
    }
    // Other participants have their own budget, and the next second a fresh one.
    expect((await hk.accounts()).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await us.accounts()).status).toBe(200);
  });
});
