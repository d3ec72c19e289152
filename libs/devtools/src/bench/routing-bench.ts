import { createHash } from 'node:crypto';
import type { OrderView, RouteOptionView } from '@concord/contracts';
import { SimulatedPartner } from './routing-partners';
import { phpOffer, routingSpec, RoutingNetwork, startRoutingNetwork } from './routing-network';

/**
 * `npm run bench:routing`: a real network with three simulated Manila payout partners, orders sent through
 * the SDK from a Hong Kong app, and the routing compared in the same run with two baselines: always the
 * cheapest partner (no reroute), and the oracle that knew every payout failure in advance. Run it under
 * `flock /tmp/concord-network.lock`.
 */
const ORDERS = Number(process.env.ROUTING_BENCH_ORDERS ?? 150);
const CONCURRENCY = Number(process.env.ROUTING_BENCH_CONCURRENCY ?? 6);
const SEED = process.env.ROUTING_BENCH_SEED ?? 'routing-bench-1';

/** The partners: the cheapest fails 30 % of payouts, one is slow, one is dear and steady. */
const PARTNERS = {
  'ph-cheap': { fee: { fixed: '0.00', bps: 20 }, deliveryMs: 3_000, failRate: 0.3, payoutMs: 300 },
  'ph-slow': { fee: { fixed: '5.00', bps: 25 }, deliveryMs: 8_000, failRate: 0, payoutMs: 4_000 },
  'ph-steady': { fee: { fixed: '10.00', bps: 35 }, deliveryMs: 3_000, failRate: 0, payoutMs: 300 },
} as const;
type PartnerId = keyof typeof PARTNERS;

/** A partner's decision on an order, fixed in advance from the seed (the oracle reads the same draw). */
function draw(partner: string, orderId: string): number {
  return createHash('sha256').update(`${SEED}:${partner}:${orderId}`).digest().readUInt32BE(0) / 2 ** 32;
}
const fails = (partner: PartnerId, orderId: string) => draw(partner, orderId) < PARTNERS[partner].failRate;
const orderOf = (transferId: string) => transferId.slice(0, transferId.lastIndexOf('.'));

interface Sample {
  options: RouteOptionView[];
  order: OrderView;
  routesMs: number;
  toPayoutMs: number | null;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const minor = (amount: string) => BigInt(amount.replace('.', ''));
/** Cost in basis points of the value converted, over a set of (cost, value) in minor units. */
function bps(pairs: [bigint, bigint][]): number {
  const cost = pairs.reduce((s, [c]) => s + c, 0n);
  const value = pairs.reduce((s, [, v]) => s + v, 0n);
  return value === 0n ? NaN : Number((cost * 1_000_000n) / value) / 100;
}

async function oneOrder(net: RoutingNetwork, i: number): Promise<Sample> {
  const amount = `${500 + ((i * 37) % 4500)}.00`;
  const route = {
    sendCurrency: 'HKD',
    destinationCountry: 'PH',
    destinationCurrency: 'PHP',
    method: 'wallet',
  } as const;
  const t0 = performance.now();
  const routes = await net.app.routes({ ...route, sendAmount: amount });
  const routesMs = performance.now() - t0;
  if (routes.status !== 200) throw new Error(`routes ${routes.status}: ${JSON.stringify(routes.body)}`);
  const t1 = Date.now();
  const created = await net.app.createOrder({
    idempotencyKey: `bench-${i}`,
    option: routes.body.options[0].optionId,
    sender: { name: 'Maria Santos' },
    recipient: { name: 'Rosa Santos', account: '0917-555-0101' },
  });
  if (created.status !== 201) throw new Error(`order ${created.status}: ${JSON.stringify(created.body)}`);
  // The time to payout is read from the order's history (server time), so a slow poll costs no precision.
  const order = await net.app.waitForOrder(created.body.id, 120_000, 500);
  const paidAt = order.history.find((h) => h.state === 'paid_out')?.at;
  return {
    options: routes.body.options,
    order,
    routesMs,
    toPayoutMs: paidAt ? Date.parse(paidAt) - t1 : null,
  };
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/**
 * What each partner would have cost this order (send currency minor units), whether routing offered it or
 * not (a partner failing now is left out of answers, not out of the baselines). The answer's shared quote
 * fixes the conversion; partners differ only by their fee, taken from the payout and valued at the mid rate.
 */
function partnerCosts(s: Sample): Map<PartnerId, bigint> {
  const base = s.options[0];
  const quote = base.quote!;
  const payout = BigInt(quote.receiveAmountMinor);
  const [num, den] = [BigInt(quote.midRate.num), BigInt(quote.midRate.den)];
  const feeAtMid = (id: PartnerId) => {
    const f = PARTNERS[id].fee;
    const fee = BigInt(f.fixed.replace('.', '')) + ceilDiv(payout * BigInt(f.bps), 10_000n);
    return ceilDiv(fee * den, num);
  };
  const common = minor(base.totalCost) - feeAtMid(base.partner as PartnerId);
  return new Map((Object.keys(PARTNERS) as PartnerId[]).map((id) => [id, common + feeAtMid(id)]));
}

/** Always the cheapest partner (paid only if it does not fail), and the cheapest that would pay (the oracle). */
function baselines(s: Sample): { cheapest: [PartnerId, bigint]; oracle: [PartnerId, bigint] | undefined } {
  const byCost = [...partnerCosts(s)].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return { cheapest: byCost[0], oracle: byCost.find(([id]) => !fails(id, s.order.id)) };
}

function report(samples: Sample[]): string {
  const paid = samples.filter((s) => s.order.state === 'paid_out');
  const value = (s: Sample) => minor(s.options[0].quote?.sendAmount ?? '0');
  const routingCost = paid.map((s) => {
    const last = s.order.attempts.find((a) => a.state === 'fulfilled')!;
    return [minor(last.totalCost), value(s)] as [bigint, bigint];
  });
  const oracle = samples.flatMap((s) => {
    const o = baselines(s).oracle;
    return o ? [[o[1], value(s)] as [bigint, bigint]] : [];
  });
  const cheapestPaid = samples.filter((s) => !fails(baselines(s).cheapest[0], s.order.id));
  const cheapest = cheapestPaid.map((s) => [baselines(s).cheapest[1], value(s)] as [bigint, bigint]);
  const reroutes = samples.reduce((n, s) => n + s.order.attempts.length - 1, 0);
  const fulfilled = samples.map((s) => s.order.attempts.filter((a) => a.state === 'fulfilled').length);
  const p = ((paid.length / samples.length) * 100).toFixed(1);
  const lines = [
    `orders ${samples.length}, concurrency ${CONCURRENCY}, seed ${SEED}`,
    `routes answer: p50 ${quantile(
      samples.map((s) => s.routesMs),
      0.5,
    ).toFixed(0)} ms, p99 ${quantile(
      samples.map((s) => s.routesMs),
      0.99,
    ).toFixed(0)} ms`,
    `first choice: ${Object.keys(PARTNERS)
      .map((id) => `${id} ${samples.filter((s) => s.order.attempts[0]?.partner === id).length}`)
      .join(', ')}`,
    `cheapest-only would have paid out ${((cheapestPaid.length / samples.length) * 100).toFixed(1)} %`,
    `orders with more than one payout: ${fulfilled.filter((n) => n > 1).length}`,
    ...samples
      .filter((s) => s.order.state !== 'paid_out')
      .map(
        (s) =>
          `not paid out: ${s.order.id} ${s.order.state} ${s.order.reason ?? ''} ${s.order.attempts.map((a) => `${a.partner} ${a.state} ${a.reason ?? ''}`).join(' -> ')}`,
      ),
    `routing: ${p}% paid out, cost ${bps(routingCost).toFixed(1)} bps vs oracle ${bps(oracle).toFixed(1)} bps vs cheapest-only ${bps(cheapest).toFixed(1)} bps, ${reroutes} reroutes, p99 to payout ${quantile(
      paid.map((s) => s.toPayoutMs!),
      0.99,
    ).toFixed(0)} ms`,
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const partners = Object.keys(PARTNERS) as PartnerId[];
  const net = await startRoutingNetwork(routingSpec('bench-routing', partners));
  const sims: SimulatedPartner[] = [];
  try {
    for (const id of partners) {
      const p = PARTNERS[id];
      const published = await net
        .partner(id)
        .routing.publishOffer('php-wallet', phpOffer(p.fee, p.deliveryMs));
      if (published.status !== 200) throw new Error(`offer of ${id}: ${JSON.stringify(published.body)}`);
      const sim = new SimulatedPartner(
        id,
        net.partner(id).gateway,
        { failRate: p.failRate, payoutMs: p.payoutMs },
        (t) => draw(id, orderOf(t)),
      );
      sim.start();
      sims.push(sim);
    }
    const samples: Sample[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < ORDERS; i = next++) samples.push(await oneOrder(net, i));
      }),
    );
    console.log(report(samples));
  } finally {
    await Promise.all(sims.map((s) => s.stop()));
    await net.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
