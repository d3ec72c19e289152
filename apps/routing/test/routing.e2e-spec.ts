import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SimulatedPartner, PartnerBehaviour } from '../../../libs/devtools/src/bench/routing-partners';
import { participantKey } from '../../../libs/devtools/src/demo/consortium';
import { REPO_ROOT } from '../../../libs/devtools/src/database/prisma';
import { eventually } from '@concord/testing';
import {
  phpOffer,
  routingSpec,
  RoutingNetwork,
  startRoutingNetwork,
} from '../../../libs/devtools/src/bench/routing-network';

jest.setTimeout(240_000);

const PARTNERS = ['ph-cheap', 'ph-mid', 'ph-slow'];
const spec = routingSpec('e2e-routing', PARTNERS);

/**
 * Journey 1 (Maria sends money home) on a real network: offers, corridors, ranked routes with signed
 * quotes, an order paid out, a failed payout rerouted, a silent partner timed out, and the routing
 * service killed mid-order without losing or doubling a payout.
 */
describe('routing e2e', () => {
  let net: RoutingNetwork;
  const behaviour: Record<string, PartnerBehaviour> = {
    'ph-cheap': { failRate: 0, payoutMs: 200 },
    'ph-mid': { failRate: 0, payoutMs: 200 },
    'ph-slow': { failRate: 0, payoutMs: 1500 },
  };
  const sims: SimulatedPartner[] = [];

  beforeAll(async () => {
    net = await startRoutingNetwork(spec, { ROUTING_DELIVERY_GRACE_MS: '500' });
    const offers: [string, { fixed: string; bps: number }, number][] = [
      ['ph-cheap', { fixed: '0.00', bps: 20 }, 3000],
      ['ph-mid', { fixed: '10.00', bps: 30 }, 3000],
      ['ph-slow', { fixed: '0.00', bps: 40 }, 20_000],
    ];
    for (const [id, fee, deliveryMs] of offers) {
      const res = await net.partner(id).routing.publishOffer('php-wallet', phpOffer(fee, deliveryMs));
      expect([res.status, res.body.version]).toEqual([200, 1]);
      // The behaviour is read at each decision, so that a test can change it.
      const sim = new SimulatedPartner(id, net.partner(id).gateway, {
        get failRate() {
          return behaviour[id].failRate;
        },
        get payoutMs() {
          return behaviour[id].payoutMs;
        },
        get silentRate() {
          return behaviour[id].silentRate;
        },
      });
      sim.start();
      sims.push(sim);
    }
  });
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.stop()));
    await net?.stop();
  });

  const route = {
    sendCurrency: 'HKD',
    destinationCountry: 'PH',
    destinationCurrency: 'PHP',
    method: 'wallet',
  } as const;
  const parties = {
    sender: { name: 'Maria Santos', country: 'HK' },
    recipient: { name: 'Rosa Santos', account: '0917-555-0101' },
  };

  it('lists corridors and ranks routes with signed quotes and costs in parts', async () => {
    const corridors = await net.app.corridors();
    expect(corridors.body.corridors).toEqual([
      expect.objectContaining({
        sendCurrency: 'HKD',
        destinationCountry: 'PH',
        partners: 3,
        methods: ['bank', 'wallet'],
      }),
    ]);
    const { status, body } = await net.app.routes({ ...route, sendAmount: '3000.00', strategy: 'cheapest' });
    expect(status).toBe(200);
    expect(body.options.map((o) => o.partner)).toEqual(['ph-cheap', 'ph-mid', 'ph-slow']);
    for (const o of body.options) {
      expect(o.quote?.sendAmount).toBe('3000.00');
      const parts = Object.values(o.costParts).reduce((s, v) => s + Math.round(Number(v) * 100), 0);
      expect(Math.round(Number(o.totalCost) * 100)).toBe(parts);
      expect(o.explanation).toMatch(/bps/);
    }
    expect(Number(body.options[0].recipientAmount)).toBeGreaterThan(Number(body.options[1].recipientAmount));
  });

  it('quotes each option of a fixed receive amount in one FX batch, each priced on its own quote', async () => {
    const { status, body } = await net.app.routes({
      ...route,
      receiveAmount: '50000.00',
      strategy: 'cheapest',
    });
    expect(status).toBe(200);
    expect(body.options).toHaveLength(3);
    expect(new Set(body.options.map((o) => o.quote!.id)).size).toBe(3);
    for (const o of body.options) {
      // The recipient gets the amount asked for whatever the partner; the partner's fee is on top.
      expect(o.recipientAmount).toBe('50000.00');
      expect(o.quote!.payer).toBe('app');
      expect(Number(o.quote!.receiveAmount)).toBeGreaterThanOrEqual(50_000);
    }
    expect(Number(body.options[0].sendAmount)).toBeLessThan(Number(body.options[2].sendAmount));
  });

  it('answers bad input with clear problems', async () => {
    const unknown = await net.app.routes({
      ...route,
      destinationCountry: 'MX',
      destinationCurrency: 'MXN',
      sendAmount: '10.00',
    });
    expect([unknown.status, (unknown.body as unknown as { code: string }).code]).toEqual([
      422,
      'UNKNOWN_CORRIDOR',
    ]);
    const huge = await net.app.routes({ ...route, sendAmount: '9000000.00' });
    expect((huge.body as unknown as { detail: string }).detail).toMatch(/outside every offer/);
    const bad = await net.app.routes({ ...route, sendAmount: '1.001' } as never);
    expect((bad.body as unknown as { errors: { field: string }[] }).errors[0].field).toBe('sendAmount');
    const missing = await net.app.createOrder({
      idempotencyKey: 'k-missing',
      option: 'opt_nope',
      ...parties,
    });
    expect((missing.body as unknown as { errors: { field: string }[] }).errors[0].field).toBe('option');
  });

  it('pays an order out once, and answers a retry with the same order', async () => {
    const { body: routes } = await net.app.routes({ ...route, sendAmount: '3000.00' });
    const order = { idempotencyKey: 'maria-1', option: routes.options[0].optionId, ...parties };
    const created = await net.app.createOrder(order);
    expect(created.status).toBe(201);
    const again = await net.app.createOrder(order);
    expect([again.status, again.body.id]).toEqual([200, created.body.id]);
    const other = await net.app.createOrder({ ...order, recipient: { name: 'Someone Else' } });
    expect((other.body as unknown as { code: string }).code).toBe('IDEMPOTENCY_KEY_REUSED');
    const done = await net.app.waitForOrder(created.body.id, 30_000);
    expect(done.state).toBe('paid_out');
    expect(done.history.map((h) => h.state)).toEqual(['created', 'routed', 'reserved', 'paid_out']);
    expect(done.recipientAmount).toBe(routes.options[0].recipientAmount);
  });

  it('reroutes a failed payout to the next partner with a fresh quote', async () => {
    behaviour['ph-cheap'].failRate = 1;
    const created = await net.app.createOrder({
      idempotencyKey: 'maria-2',
      option: 'auto',
      route: { ...route, receiveAmount: '20000.00', strategy: 'cheapest' },
      ...parties,
    });
    expect(created.body.attempts[0].partner).toBe('ph-cheap');
    const done = await net.app.waitForOrder(created.body.id, 30_000);
    expect(done.state).toBe('paid_out');
    expect(done.attempts.map((a) => [a.partner, a.state])).toEqual([
      ['ph-cheap', 'aborted'],
      ['ph-mid', 'fulfilled'],
    ]);
    expect(done.attempts[1].recipientAmount).toBe('20000.00');
    expect(done.history.map((h) => h.state)).toContain('rerouted');
    behaviour['ph-cheap'].failRate = 0;
  });

  it('aborts a partner silent past its promise, and reroutes', async () => {
    behaviour['ph-mid'].silentRate = 1;
    const created = await net.app.createOrder({
      idempotencyKey: 'maria-3',
      option: 'auto',
      route: { ...route, sendAmount: '500.00', rules: [{ partner: 'ph-mid', action: 'prefer' }] },
      ...parties,
    });
    expect(created.body.attempts[0].partner).toBe('ph-mid');
    const done = await net.app.waitForOrder(created.body.id, 40_000);
    expect(done.state).toBe('paid_out');
    expect(done.attempts[0]).toMatchObject({ partner: 'ph-mid', state: 'aborted' });
    behaviour['ph-mid'].silentRate = 0;
  });

  it('runs the example app backend: an order in a dozen lines, paid out', async () => {
    const { keyId, key } = participantKey(spec, 'app');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--require', 'tsx/cjs', join(REPO_ROOT, 'examples/remit-app/send-order.ts')],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ROUTING_URL: net.routingUrl, APP_KEY_ID: keyId, APP_KEY_SEED: key.seedHex },
        timeout: 60_000,
      },
    );
    expect(stdout).toMatch(/: paid_out /);
  });

  it('survives a SIGKILL of routing mid-order: nothing lost, nothing paid out twice', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await net.app.createOrder({
        idempotencyKey: `kill-${i}`,
        option: 'auto',
        route: { ...route, sendAmount: '1000.00' },
        ...parties,
      });
      expect(r.status).toBe(201);
      ids.push(r.body.id);
    }
    net.network.processes.get('routing')!.child.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 500));
    net.network.start('routing');
    await eventually(
      async () => ((await fetch(`${net.routingUrl}/ready`).catch(() => null))?.ok ? true : undefined),
      60_000,
    );
    for (const id of ids) expect((await net.app.waitForOrder(id, 60_000)).state).toBe('paid_out');
    // The ledger's own record: each order has exactly one fulfilled transfer.
    const { body } = await net
      .partner('ph-cheap')
      .gateway.listTransfers({ role: 'payee', status: 'fulfilled', limit: 200 });
    const others = await Promise.all(
      ['ph-mid', 'ph-slow'].map((p) =>
        net.partner(p).gateway.listTransfers({ role: 'payee', status: 'fulfilled', limit: 200 }),
      ),
    );
    const fulfilled = [...body.transfers, ...others.flatMap((o) => o.body.transfers)].map((t) => t.id);
    for (const id of ids) expect(fulfilled.filter((t) => t.startsWith(`${id}.`))).toHaveLength(1);
  });
});
