import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postSignedWebhook } from './deliver';
import { verifyWebhookSignature } from './signature';

/** A real receiver on a free port, recording what it got and answering with the next scripted status. */
async function receiver(statuses: number[], delayMs = 0) {
  const got: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      setTimeout(() => res.writeHead(statuses.shift() ?? 200).end(), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, got, close: () => new Promise((resolve) => server.close(resolve)) };
}

const post = (url: string, over: Partial<Parameters<typeof postSignedWebhook>[0]> = {}) =>
  postSignedWebhook({
    url,
    secret: 'whsec_test',
    payload: '{"id":"evt_1","type":"order.paid_out"}',
    eventId: 'evt_1',
    eventType: 'order.paid_out',
    deliveryId: 'dlv_1',
    attempt: 2,
    timeoutMs: 2000,
    allowPrivateUrls: true,
    ...over,
  });

describe('postSignedWebhook', () => {
  it('sends the payload signed, with the event id, type, delivery and attempt', async () => {
    const r = await receiver([204]);
    try {
      const result = await post(r.url);
      expect(result.statusCode).toBe(204);
      expect(r.got).toHaveLength(1);
      const { headers, body } = r.got[0];
      expect(body).toBe('{"id":"evt_1","type":"order.paid_out"}');
      expect(headers['concord-event-id']).toBe('evt_1');
      expect(headers['concord-event-type']).toBe('order.paid_out');
      expect(headers['concord-delivery-id']).toBe('dlv_1');
      expect(headers['concord-delivery-attempt']).toBe('2');
      const check = verifyWebhookSignature(
        'whsec_test',
        headers['concord-signature'] as string,
        body,
        Math.floor(Date.now() / 1000),
      );
      expect(check.ok).toBe(true);
      expect(
        verifyWebhookSignature('other', headers['concord-signature'] as string, body, Date.now() / 1000).ok,
      ).toBe(false);
    } finally {
      await r.close();
    }
  });

  it('reports a receiver error status, a timeout and a refused private address without throwing', async () => {
    const r = await receiver([500, 200], 300);
    try {
      expect((await post(r.url)).statusCode).toBe(500);
      const late = await post(r.url, { timeoutMs: 50 });
      expect(late.statusCode).toBeUndefined();
      expect(late.error).toBe('no answer within 50 ms');
      const refused = await post(r.url, { allowPrivateUrls: false });
      expect(refused.error).toMatch(/^not sent: 127\.0\.0\.1 is a loopback/);
      expect(r.got).toHaveLength(2);
    } finally {
      await r.close();
    }
  });
});
