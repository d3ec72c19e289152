import { Kafka, logLevel } from 'kafkajs';
import { topicName } from '@concord/contracts';
import { signingKeyFromSeed } from '@concord/crypto';
import { ConcordClient } from '@concord/sdk';
import {
  ConsortiumSpec,
  governanceCommand,
  participantKey,
} from '../../../libs/devtools/src/demo/consortium';
import { eventually, freePort, startTestNetwork, TestNetwork, TEST_KAFKA_BROKERS } from '@concord/testing';

const spec: ConsortiumSpec = {
  chainId: 'e2e-replicas',
  secret: 'e2e-replicas-secret',
  signerCount: 4,
  quorum: 3,
  participants: [
    { id: 'alpha', name: 'Alpha', currencies: ['USD'], fundsMinor: 1_000_000n },
    { id: 'beta', name: 'Beta', currencies: ['USD'], fundsMinor: 1_000_000n },
  ],
};

jest.setTimeout(180_000);

/** How long the long-polls of this test may wait; an answer near it means the replica never heard. */
const LONG_POLL_MS = 15_000;

/**
 * Two gateway replicas on one read model, as k8s/gateway.yaml runs them: each learns every finalized
 * block, so a long-poll on either is answered as soon as the transfer is final, and a key that governance
 * adds or revokes is accepted or refused by both.
 */
describe('two gateway replicas', () => {
  let net: TestNetwork;
  let secondUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    secondUrl = `http://127.0.0.1:${port}`;
    net = await startTestNetwork(spec, { extraEnv: { 'gateway-2': { GATEWAY_PORT: String(port) } } });
    net.network.start('gateway-2');
    await eventually(
      async () => ((await fetch(`${secondUrl}/ready`).catch(() => null))?.ok ? true : undefined),
      60_000,
      'the second gateway',
    );
  });
  afterAll(async () => net?.stop());

  const clientOn = (baseUrl: string, participantId: string, keyId?: string, seedHex?: string) => {
    const key = participantKey(spec, participantId);
    return new ConcordClient({ baseUrl, keyId: keyId ?? key.keyId, seedHex: seedHex ?? key.key.seedHex });
  };

  it('answers a long-poll on either replica as soon as a transfer sent to one is final', async () => {
    const first = clientOn(net.network.gatewayUrl, 'alpha');
    const second = clientOn(secondUrl, 'beta');
    for (let i = 0; i < 3; i++) {
      const id = `rep-${i}`;
      const sent = await first.createTransfer({
        id,
        payer: 'alpha',
        payee: 'beta',
        amount: '1.00',
        currency: 'USD',
      });
      expect(sent.status).toBe(202);
      const startedAt = Date.now();
      const [onFirst, onSecond] = await Promise.all(
        [first, second].map(async (client) => {
          const res = await client.getTransfer(id, { waitMs: LONG_POLL_MS });
          return { status: res.body.status, ms: Date.now() - startedAt };
        }),
      );
      expect(onFirst.status).toBe('committed');
      expect(onSecond.status).toBe('committed');
      // Neither waited out its long-poll: each replica heard of the block itself.
      expect(onFirst.ms).toBeLessThan(LONG_POLL_MS / 2);
      expect(onSecond.ms).toBeLessThan(LONG_POLL_MS / 2);
    }
    // The read model was applied once: one state per transfer, and the cursor at the tip.
    const rows = await net.query<{ n: number }>(
      `select count(*)::int as n from gateway.transfers where id like 'rep-%' and status = 'committed'`,
    );
    expect(rows[0].n).toBe(3);
  });

  it('accepts a key that governance added, and refuses one it revoked, on both replicas', async () => {
    const kafka = new Kafka({
      clientId: 'e2e-replicas',
      brokers: [TEST_KAFKA_BROKERS],
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    try {
      const govern = (proposalId: string, action: Parameters<typeof governanceCommand>[2]) =>
        producer.send({
          topic: topicName('ledgerCommands', net.network.options.topicPrefix),
          messages: [{ value: JSON.stringify(governanceCommand(spec, proposalId, action)) }],
        });
      const seedHex = '5d'.repeat(32);
      await govern('rep-add', {
        kind: 'add-participant-key',
        participantId: 'alpha',
        key: { keyId: 'alpha-9', publicKey: signingKeyFromSeed(seedHex).publicKeyHex },
      });
      for (const url of [net.network.gatewayUrl, secondUrl]) {
        const rotated = clientOn(url, 'alpha', 'alpha-9', seedHex);
        await eventually(
          async () => ((await rotated.me()).status === 200 ? true : undefined),
          20_000,
          `the new key accepted on ${url}`,
        );
      }
      await govern('rep-revoke', {
        kind: 'revoke-participant-key',
        participantId: 'alpha',
        keyId: 'alpha-1',
      });
      for (const url of [net.network.gatewayUrl, secondUrl]) {
        const old = clientOn(url, 'alpha');
        const refused = await eventually(
          async () => {
            const res = await old.me();
            return res.status === 401 ? res : undefined;
          },
          20_000,
          `the old key refused on ${url}`,
        );
        expect((refused.body as unknown as { code: string }).code).toBe('UNKNOWN_KEY');
      }
    } finally {
      await producer.disconnect();
    }
  });
});
