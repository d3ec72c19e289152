// An app backend sends Maria's order: HKD 3,000 to her mother's wallet in Manila, the best route, paid out
// once. With the package installed (`npm install @concord/sdk`; docs/routing.md) or in this repository,
// against `npm start` (demo keys): npx tsx examples/remit-app/send-order.ts
import { randomUUID } from 'node:crypto';
import { RoutingClient } from '@concord/sdk';

const env = process.env;
const routing = new RoutingClient({
  baseUrl: env.ROUTING_URL ?? 'http://127.0.0.1:3500',
  keyId: env.APP_KEY_ID ?? 'hk-remit-1',
  seedHex: env.APP_KEY_SEED ?? '8efb801837da5764f1ef4a9ba5a0df3844b9162b740cec50d671f7549d6b7323',
});
const route = {
  sendCurrency: 'HKD',
  destinationCountry: 'PH',
  destinationCurrency: 'PHP',
  method: 'wallet',
} as const;
async function sendOrder(): Promise<void> {
  const best = (await routing.routes({ ...route, sendAmount: '3000.00' })).body.options[0];
  console.log(`${best.partner}: recipient gets PHP ${best.recipientAmount}, cost HKD ${best.totalCost}`);
  const { body: order } = await routing.createOrder({
    idempotencyKey: randomUUID(), // made once per tap of "Send" and kept, so that a retry is the same order
    option: best.optionId,
    sender: { name: 'Maria Santos', country: 'HK' },
    recipient: { name: 'Rosa Santos', country: 'PH', account: '0917-555-0101' },
  });
  const done = await routing.waitForOrder(order.id);
  console.log(
    `order ${done.id}: ${done.state}`,
    done.attempts.map((a) => `${a.partner} ${a.state}`).join(' -> '),
  );
}

sendOrder().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
