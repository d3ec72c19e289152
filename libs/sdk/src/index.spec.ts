import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { parseSignatureHeaders } from '@concord/crypto';
import { ConcordClient } from './index';

/**
 * The client's retry rules against a real HTTP server on 127.0.0.1 that answers from a script: which
 * calls are tried again, with which Idempotency-Key and signature, after how long, and when it gives up.
 */
type Answer = { status: number; headers?: Record<string, string>; body?: unknown } | 'hang-up';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  atMs: number;
}

describe('ConcordClient retries', () => {
  let server: Server;
  let baseUrl: string;
  let script: Answer[] = [];
  let seen: Seen[] = [];

  beforeAll(async () => {
    server = createServer((req, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          atMs: Date.now(),
        });
        const answer = script.shift() ?? { status: 200, body: { ok: true } };
        if (answer === 'hang-up') {
          req.socket.destroy();
          return;
        }
        const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(text);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  beforeEach(() => {
    script = [];
    seen = [];
  });

  const client = (options: { attempts?: number; backoffMs?: number; maxRetryAfterMs?: number } = {}) =>
    new ConcordClient({ baseUrl, keyId: 'p1-1', seedHex: '11'.repeat(32), backoffMs: 20, ...options });
  const transfer = { id: 't-1', payer: 'p1', payee: 'p2', amount: '1.00', currency: 'USD' };
  const nonceOf = (s: Seen) => {
    const parsed = parseSignatureHeaders({
      signatureInput: s.headers['signature-input'] as string,
      signature: s.headers['signature'] as string,
      contentDigest: s.headers['content-digest'] as string,
      body: s.body,
    });
    if ('problem' in parsed) throw new Error(parsed.problem);
    return parsed.nonce;
  };

  it('retries a POST after 502, 503 and 504 with one Idempotency-Key, a fresh signature and growing backoff', async () => {
    script = [{ status: 502 }, { status: 503 }, { status: 504 }, { status: 202, body: { id: 't-1' } }];
    const res = await client({ attempts: 4 }).createTransfer(transfer);
    expect(res).toMatchObject({ status: 202, body: { id: 't-1' } });
    expect(seen).toHaveLength(4);
    const keys = seen.map((s) => s.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(keys)).toEqual(new Set([keys[0]]));
    expect(new Set(seen.map(nonceOf)).size).toBe(4);
    expect(new Set(seen.map((s) => s.body))).toEqual(new Set([JSON.stringify(transfer)]));
    // 20, 40 and 80 ms between the attempts (timers may fire a little early, never much).
    const gaps = seen.slice(1).map((s, i) => s.atMs - seen[i].atMs);
    expect(gaps[0]).toBeGreaterThanOrEqual(15);
    expect(gaps[1]).toBeGreaterThanOrEqual(35);
    expect(gaps[2]).toBeGreaterThanOrEqual(75);
  });

  it("names the payer of a payee's transfer calls in the signed query", async () => {
    const c = client();
    await c.getTransfer('t-1', { payer: 'hk-remit' });
    await c.fulfilTransfer('t-1', { payer: 'hk-remit', waitMs: 500 });
    await c.abortTransfer('t 2', { payer: 'hk-remit' });
    await c.getTransfer('t-1');
    expect(seen.map((s) => s.url)).toEqual([
      '/v1/transfers/t-1?payer=hk-remit',
      '/v1/transfers/t-1/fulfil?wait=500&payer=hk-remit',
      '/v1/transfers/t%202/abort?payer=hk-remit',
      '/v1/transfers/t-1',
    ]);
    expect(seen.map(nonceOf)).toHaveLength(4);
  });

  it('gives up an attempt after timeoutMs, and tries a safe call again', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const c = new ConcordClient({
        baseUrl: silentUrl,
        keyId: 'k',
        seedHex: '11'.repeat(32),
        timeoutMs: 100,
      });
      const started = Date.now();
      await expect(c.me()).rejects.toMatchObject({ name: 'TimeoutError', timeoutMs: 100 });
      // Three attempts of 100 ms with 100 and 200 ms of backoff between them.
      expect(Date.now() - started).toBeGreaterThanOrEqual(550);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it("sends the caller's own Idempotency-Key, and a new key for each call", async () => {
    const c = client();
    await c.createTransfer(transfer, { idempotencyKey: 'order-42' });
    await c.createTransfer(transfer);
    await c.createTransfer(transfer);
    expect(seen[0].headers['idempotency-key']).toBe('order-42');
    expect(seen[1].headers['idempotency-key']).not.toBe(seen[2].headers['idempotency-key']);
    // Every write sends one; reads and deletes none.
    await c.createQuote({ sourceCurrency: 'USD', targetCurrency: 'PHP', sendAmount: '1.00' });
    await c.fulfilTransfer('t-1');
    await c.abortTransfer('t-1');
    await c.createWebhook({ url: 'https://example.com/h', events: ['transfer.committed'] });
    await c.createTransferBatch([transfer]);
    await c.getTransfer('t-1');
    await c.deleteWebhook('wh_1');
    expect(seen.map((s) => [s.method, typeof s.headers['idempotency-key']])).toEqual([
      ...Array(8).fill(['POST', 'string']),
      ['GET', 'undefined'],
      ['DELETE', 'undefined'],
    ]);
  });

  it('retries a GET after a network error and a 503, and gives up after the last attempt', async () => {
    script = ['hang-up', { status: 503 }, { status: 200, body: { id: 't-1' } }];
    expect((await client().getTransfer('t-1')).status).toBe(200);
    expect(seen.map((s) => s.method)).toEqual(['GET', 'GET', 'GET']);
    seen = [];
    script = [{ status: 503 }, { status: 503 }, { status: 503, body: { code: 'LEDGER_UNAVAILABLE' } }];
    const last = await client().getTransfer('t-1');
    expect(last).toMatchObject({ status: 503, body: { code: 'LEDGER_UNAVAILABLE' } });
    expect(seen).toHaveLength(3);
    seen = [];
    script = ['hang-up', 'hang-up'];
    await expect(client({ attempts: 2 }).createTransfer(transfer)).rejects.toThrow();
    expect(seen).toHaveLength(2);
    expect(seen[0].headers['idempotency-key']).toBe(seen[1].headers['idempotency-key']);
  });

  it('honours Retry-After of a 429, for any method, and of a 409 IDEMPOTENCY_KEY_IN_PROGRESS', async () => {
    script = [{ status: 429, headers: { 'retry-after': '1' }, body: { code: 'RATE_LIMITED' } }];
    expect((await client().deleteWebhook('wh_1')).status).toBe(200);
    expect(seen.map((s) => s.method)).toEqual(['DELETE', 'DELETE']);
    expect(seen[1].atMs - seen[0].atMs).toBeGreaterThanOrEqual(950);
    seen = [];
    const inProgress = {
      status: 409,
      headers: { 'retry-after': '0' },
      body: { code: 'IDEMPOTENCY_KEY_IN_PROGRESS' },
    };
    script = [inProgress, { status: 202, body: { id: 't-1' } }];
    expect((await client().createTransfer(transfer)).status).toBe(202);
    expect(seen).toHaveLength(2);
    expect(seen[0].headers['idempotency-key']).toBe(seen[1].headers['idempotency-key']);
    // An HTTP date in the past means at once.
    seen = [];
    script = [{ status: 429, headers: { 'retry-after': new Date(Date.now() - 5000).toUTCString() } }];
    expect((await client().getTransfer('t-1')).status).toBe(200);
    expect(seen).toHaveLength(2);
  });

  it('does not retry what is not safe or not transient', async () => {
    // A DELETE after a 503 or a network error: it may have happened.
    script = [{ status: 503 }];
    expect((await client().deleteWebhook('wh_1')).status).toBe(503);
    script = ['hang-up'];
    await expect(client().deleteWebhook('wh_1')).rejects.toThrow();
    expect(seen).toHaveLength(2);
    seen = [];
    // Answers that another attempt would not change.
    for (const answer of [
      { status: 500, body: { code: 'INTERNAL_ERROR' } },
      { status: 400, body: { code: 'INVALID_BODY' } },
      { status: 409, body: { code: 'IDEMPOTENCY_KEY_REUSED' } },
      { status: 401, body: { code: 'REPLAYED_REQUEST' } },
    ]) {
      script = [answer];
      expect((await client().createTransfer(transfer)).status).toBe(answer.status);
    }
    expect(seen).toHaveLength(4);
    seen = [];
    // A Retry-After longer than the client waits for ends the call with the 429.
    script = [{ status: 429, headers: { 'retry-after': '120' } }];
    expect((await client({ maxRetryAfterMs: 5000 }).getTransfer('t-1')).status).toBe(429);
    expect(seen).toHaveLength(1);
  });
});
