import { Kafka, logLevel } from 'kafkajs';
import { topicName } from '@concord/contracts';
import { ConcordClient, RoutingClient } from '@concord/sdk';
import { DEMO_CONSORTIUM, derivedKey, governanceCommand, participantKey } from '../demo/consortium';
import { phpOffer } from './routing-network';
import { SimulatedPartner } from './routing-partners';

/**
 * `npm run routing:demo`, next to `npm start`: the demo app hk-remit delegates routing's key (the operators
 * approve add-participant-key), the Manila payout partners publish HKD to PHP offers, and both pay out what
 * they are sent (simulated back offices) until Ctrl-C. Then `npx tsx examples/remit-app/send-order.ts`.
 */
async function main(): Promise<void> {
  const env = process.env;
  const gatewayUrl = env.GATEWAY_URL ?? `http://127.0.0.1:${env.GATEWAY_PORT ?? 3000}`;
  const routingUrl = env.ROUTING_URL ?? `http://127.0.0.1:${env.ROUTING_PORT ?? 3500}`;
  const spec = DEMO_CONSORTIUM;
  const kafka = new Kafka({
    clientId: 'routing-demo',
    brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer();
  await producer.connect();
  const key = {
    keyId: 'hk-remit-routing',
    publicKey: derivedKey(spec.secret, 'routing:delegate').publicKeyHex,
  };
  const action = { kind: 'add-participant-key' as const, participantId: 'hk-remit', key };
  await producer.send({
    topic: topicName('ledgerCommands', env.KAFKA_TOPIC_PREFIX ?? ''),
    messages: [{ value: JSON.stringify(governanceCommand(spec, `routing-demo-${Date.now()}`, action)) }],
  });
  await producer.disconnect();
  console.log(
    'hk-remit delegated key hk-remit-routing to routing (a duplicate key is refused by the ledger, harmlessly)',
  );
  const clients = (id: string) => {
    const { keyId, key: k } = participantKey(spec, id);
    return {
      routing: new RoutingClient({ baseUrl: routingUrl, keyId, seedHex: k.seedHex }),
      gateway: new ConcordClient({ baseUrl: gatewayUrl, keyId, seedHex: k.seedHex }),
    };
  };
  const partners = [
    { id: 'mnl-payout', fee: { fixed: '0.00', bps: 30 }, deliveryMs: 60_000 },
    { id: 'us-send', fee: { fixed: '10.00', bps: 20 }, deliveryMs: 120_000 },
  ];
  const sims: SimulatedPartner[] = [];
  for (const p of partners) {
    const res = await clients(p.id).routing.publishOffer(
      'hkd-php',
      phpOffer(p.fee, p.deliveryMs, { methods: ['bank', 'cash', 'wallet'] }),
    );
    console.log(`${p.id} offer: ${res.status} version ${res.body.version ?? JSON.stringify(res.body)}`);
    const sim = new SimulatedPartner(p.id, clients(p.id).gateway, { failRate: 0, payoutMs: 1000 });
    sim.start();
    sims.push(sim);
  }
  console.log('payout partners running; Ctrl-C to stop');
  process.on('SIGINT', () => void Promise.all(sims.map((s) => s.stop())).then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
