import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { topicName } from '@concord/contracts';
import { ConcordClient, RoutingClient } from '@concord/sdk';
import { ConsortiumSpec, derivedKey, governanceCommand, participantKey } from '../demo/consortium';
import { dropDatabase, REPO_ROOT } from '../database/prisma';
import {
  deleteTestTopics,
  eventually,
  freePort,
  LocalNetwork,
  TEST_KAFKA_BROKERS,
  TEST_REDIS_URL,
  testPool,
  uniqueName,
} from '@concord/testing';

/** Manila payout partners of different prices and promises, one Hong Kong app, and the FX provider. */
export function routingSpec(chainId: string, partners: string[]): ConsortiumSpec {
  return {
    chainId,
    secret: `${chainId}-secret`,
    signerCount: 4,
    quorum: 3,
    fxProvider: 'fx',
    participants: [
      { id: 'app', name: 'Remit App (HK)', currencies: ['HKD'], fundsMinor: 1_000_000_000n },
      { id: 'fx', name: 'FX provider', currencies: ['HKD', 'PHP'], fundsMinor: 10_000_000_000n },
      ...partners.map((id) => ({ id, name: `Payout ${id}`, currencies: ['PHP'], fundsMinor: 1_000_000n })),
    ],
  };
}

export interface RoutingNetwork {
  network: LocalNetwork;
  routingUrl: string;
  app: RoutingClient;
  partner: (id: string) => { routing: RoutingClient; gateway: ConcordClient };
  query: <T extends Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>;
  stop: () => Promise<void>;
}

/**
 * A whole network with the routing service, for one test file: the app delegates routing's key through
 * governance (operators approve add-participant-key), as a real app would before its first order.
 */
export async function startRoutingNetwork(
  spec: ConsortiumSpec,
  extraEnv: Record<string, string> = {},
): Promise<RoutingNetwork> {
  const prefix = uniqueName('t');
  const databaseUrl = `postgresql://postgres@127.0.0.1:5432/concord_test_${prefix}`;
  const routingPort = await freePort();
  const network = new LocalNetwork({
    databaseUrl,
    redisUrl: TEST_REDIS_URL,
    kafkaBrokers: TEST_KAFKA_BROKERS,
    topicPrefix: prefix,
    gatewayPort: await freePort(),
    routingPort,
    spec,
    runtime: 'tsx',
    output: { logDir: join(REPO_ROOT, '.data/test-logs', prefix) },
    logLevel: 'info',
    cutIntervalMs: 50,
    extraEnv: { routing: { ROUTING_WORKER_INTERVAL_MS: '100', ...extraEnv } },
  });
  await network.prepare();
  for (const name of network.processNames()) network.start(name);
  const pg = testPool(databaseUrl, 2);
  const routingUrl = `http://127.0.0.1:${routingPort}`;
  const stop = async () => {
    await network.stopAll();
    await pg.end();
    await dropDatabase(databaseUrl).catch(() => undefined);
    await deleteTestTopics(prefix);
  };
  try {
    await network.waitUntilReady(90_000);
    await eventually(
      async () => ((await fetch(`${routingUrl}/ready`).catch(() => null))?.ok ? true : undefined),
      60_000,
      'routing ready',
    );
    await delegate(spec, prefix);
  } catch (e) {
    await stop();
    throw e;
  }
  const client = (id: string, baseUrl: string) => {
    const { keyId, key } = participantKey(spec, id);
    return { keyId, seedHex: key.seedHex, baseUrl };
  };
  const app = new RoutingClient(client('app', routingUrl));
  // Routing learns the delegation from the finalized block that adds the key.
  await eventually(
    async () => {
      const r = await fetch(`${routingUrl}/v1/routing-key`);
      const { publicKey } = (await r.json()) as { publicKey: string };
      const rows = await pg.query(`select keys from routing.participants where id = 'app'`);
      return JSON.stringify(rows.rows[0]?.keys ?? []).includes(publicKey) ? true : undefined;
    },
    30_000,
    'the delegation to reach routing',
  );
  return {
    network,
    routingUrl,
    app,
    partner: (id) => ({
      routing: new RoutingClient(client(id, routingUrl)),
      gateway: new ConcordClient(client(id, network.gatewayUrl)),
    }),
    query: async (sql, params) => (await pg.query(sql, params)).rows,
    stop,
  };
}

/** The app adds routing's public key to its own keys, approved by the operators. */
async function delegate(spec: ConsortiumSpec, prefix: string): Promise<void> {
  const kafka = new Kafka({
    clientId: 'routing-e2e',
    brokers: [TEST_KAFKA_BROKERS],
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer();
  await producer.connect();
  const key = { keyId: 'app-routing', publicKey: derivedKey(spec.secret, 'routing:delegate').publicKeyHex };
  await producer.send({
    topic: topicName('ledgerCommands', prefix),
    messages: [
      {
        value: JSON.stringify(
          governanceCommand(spec, 'delegate-routing', {
            kind: 'add-participant-key',
            participantId: 'app',
            key,
          }),
        ),
      },
    ],
  });
  await producer.disconnect();
}

/** An offer of a Manila payout partner for HKD to PHP. */
export function phpOffer(fee: { fixed: string; bps: number }, deliveryMs: number, extra: object = {}) {
  return {
    corridor: { sendCurrency: 'HKD', destinationCountry: 'PH', destinationCurrency: 'PHP' },
    methods: ['wallet', 'bank'] as ('wallet' | 'bank' | 'cash')[],
    fee,
    minAmount: '100.00',
    maxAmount: '500000.00',
    deliveryMs,
    ...extra,
  };
}
