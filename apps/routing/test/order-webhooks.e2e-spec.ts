import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OrderWebhookEvent } from '@concord/contracts';
import { ConcordClient } from '@concord/sdk';
import { eventually } from '@concord/testing';
import { SimulatedPartner } from '../../../libs/devtools/src/bench/routing-partners';
import {
  phpOffer,
  routingSpec,
  RoutingNetwork,
  startRoutingNetwork,
} from '../../../libs/devtools/src/bench/routing-network';

jest.setTimeout(240_000);

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP receiver: answers the scripted statuses in turn, then `then`. */
async function receiver(script: number[], then: number) {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(script.shift() ?? then).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
  return { url, got, close: () => new Promise((resolve) => server.close(resolve)) };
}

/**
 * Order webhooks on a real network: an app subscribes, an order is rerouted (the cheap partner aborts)
 * and paid out by the other, and the app's receiver gets every state change signed, after a retry of a
 * refused delivery; a receiver that always fails ends with dead letters; a filtered subscription gets
 * only its events.
 */
describe('order webhooks e2e', () => {
  let net: RoutingNetwork;
  const sims: SimulatedPartner[] = [];

  beforeAll(async () => {
    net = await startRoutingNetwork(routingSpec('e2e-order-webhooks', ['ph-a', 'ph-b']), {
      ROUTING_WEBHOOK_ATTEMPTS: '3',
      ROUTING_WEBHOOK_BACKOFF_MS: '200',
    });
    const offers: [string, number][] = [
      ['ph-a', 10],
      ['ph-b', 40],
    ];
    for (const [id, bps] of offers) {
      const res = await net
        .partner(id)
        .routing.publishOffer('php-wallet', phpOffer({ fixed: '0.00', bps }, 3000));
      expect(res.status).toBe(200);
      const sim = new SimulatedPartner(id, net.partner(id).gateway, {
        failRate: id === 'ph-a' ? 1 : 0,
        payoutMs: 200,
      });
      sim.start();
      sims.push(sim);
    }
  });
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.stop()));
    await net?.stop();
  });

  it('delivers every state change of a rerouted order signed, retries, and keeps dead letters', async () => {
    const good = await receiver([500], 200);
    const bad = await receiver([], 503);
    try {
      const all = await net.app.createWebhook({ url: good.url });
      expect(all.status).toBe(201);
      expect(all.body.secret).toMatch(/^whsec_/);
      expect(all.body.events).toContain('order.rerouted');
      const paidOnly = await net.app.createWebhook({ url: good.url, events: ['order.paid_out'] });
      const dead = await net.app.createWebhook({ url: bad.url, events: ['order.created'] });
      const refused = await net.app.createWebhook({ url: 'ftp://example.com/x' });
      expect([refused.status, (refused.body as unknown as { code: string }).code]).toEqual([
        400,
        'INVALID_BODY',
      ]);
      expect((await net.app.listWebhooks()).body.webhooks.map((w) => w.id)).toEqual([
        all.body.id,
        paidOnly.body.id,
        dead.body.id,
      ]);

      const routes = await net.app.routes({
        sendCurrency: 'HKD',
        destinationCountry: 'PH',
        destinationCurrency: 'PHP',
        method: 'wallet',
        sendAmount: '2000.00',
        strategy: 'cheapest',
      });
      expect(routes.body.options[0].partner).toBe('ph-a');
      const order = await net.app.createOrder({
        idempotencyKey: 'webhooks-e2e-1',
        option: routes.body.options[0].optionId,
        sender: { name: 'Maria Santos', country: 'HK' },
        recipient: { name: 'Rosa Santos', account: '0917-555-0101' },
      });
      expect(order.status).toBe(201);
      const done = await net.app.waitForOrder(order.body.id, 60_000);
      expect(done.state).toBe('paid_out');
      expect(done.attempts.map((a) => [a.partner, a.state])).toEqual([
        ['ph-a', 'aborted'],
        ['ph-b', 'fulfilled'],
      ]);

      // Every state the order entered, each once (the refused first request was retried), in order.
      const expected = done.history.map((h) => `order.${h.state}`);
      const verified = () =>
        good.got
          .filter((r) => r.headers['concord-delivery-id'] !== undefined)
          .map((r) => {
            const check = ConcordClient.verifyWebhookSignature(
              all.body.secret,
              r.headers['concord-signature'] as string,
              r.body,
            );
            return { ...r, check, event: JSON.parse(r.body) as OrderWebhookEvent };
          });
      await eventually(
        async () => {
          const ok = verified().filter((r) => r.check && r.headers['concord-event-type'] !== undefined);
          const types = new Set(ok.filter((r) => r.event.orderId === done.id).map((r) => r.event.type));
          return expected.every((t) => types.has(t as OrderWebhookEvent['type'])) ? true : undefined;
        },
        60_000,
        'every order event delivered',
      );
      const deliveries = (await net.app.webhookDeliveries(all.body.id)).body.deliveries;
      const delivered = deliveries.filter((d) => d.status === 'delivered').reverse();
      expect(delivered.map((d) => d.event)).toEqual(expected);
      expect(expected).toEqual(
        expect.arrayContaining(['order.routed', 'order.reserved', 'order.rerouted', 'order.paid_out']),
      );
      // The receiver refused the first request: that delivery took two attempts, with the same event id.
      const retried = deliveries.filter((d) => d.attempts === 2);
      expect(retried).toHaveLength(1);
      expect(retried[0].log.map((l) => l.statusCode)).toEqual([500, 200]);
      const sameEvent = good.got.filter((r) => r.headers['concord-event-id'] === retried[0].eventId);
      expect(sameEvent.map((r) => r.headers['concord-delivery-attempt'])).toEqual(['1', '2']);
      // Each request of this subscription is signed with its secret; the payload is the event and the order.
      const ids = new Set(deliveries.map((d) => d.id));
      const mine = verified().filter((r) => ids.has(String(r.headers['concord-delivery-id'])));
      expect(mine).toHaveLength(expected.length + 1);
      expect(mine.every((r) => r.check)).toBe(true);
      const paid = mine.find((r) => r.event.type === 'order.paid_out')!;
      expect(paid.event).toMatchObject({ orderId: done.id, state: 'paid_out', order: { id: done.id } });

      // The filtered subscription got the payout only, signed with its own secret.
      await eventually(
        async () =>
          (await net.app.webhookDeliveries(paidOnly.body.id)).body.deliveries.some(
            (d) => d.status === 'delivered',
          )
            ? true
            : undefined,
        30_000,
        'the paid_out delivery',
      );
      const onlyPaid = (await net.app.webhookDeliveries(paidOnly.body.id)).body.deliveries;
      expect(onlyPaid.map((d) => [d.event, d.status])).toEqual([['order.paid_out', 'delivered']]);
      const paidRequest = good.got.find((r) => r.headers['concord-delivery-id'] === onlyPaid[0].id)!;
      expect(
        ConcordClient.verifyWebhookSignature(
          paidOnly.body.secret,
          paidRequest.headers['concord-signature'] as string,
          paidRequest.body,
        ),
      ).toBe(true);
      expect(
        ConcordClient.verifyWebhookSignature(
          all.body.secret,
          paidRequest.headers['concord-signature'] as string,
          paidRequest.body,
        ),
      ).toBe(false);

      // A receiver that always fails: the delivery is dead after its three attempts, a dead letter.
      await eventually(
        async () => {
          const d = (await net.app.webhookDeliveries(dead.body.id, { status: 'dead' })).body.deliveries;
          return d.length === 1 ? d : undefined;
        },
        30_000,
        'the dead letter',
      );
      const [letter] = (await net.app.webhookDeliveries(dead.body.id, { status: 'dead' })).body.deliveries;
      expect(letter).toMatchObject({ event: 'order.created', orderId: done.id, attempts: 3 });
      expect(letter.log.map((l) => l.statusCode)).toEqual([503, 503, 503]);
      expect(bad.got).toHaveLength(3);

      // A deleted subscription gets nothing more; an unknown one is a 404.
      expect((await net.app.deleteWebhook(dead.body.id)).status).toBe(204);
      expect((await net.app.webhookDeliveries(dead.body.id)).status).toBe(404);
    } finally {
      await good.close();
      await bad.close();
    }
  });
});
