import { Kafka, logLevel } from 'kafkajs';
import { topicName } from '@concord/contracts';
import { signingKeyFromSeed } from '@concord/crypto';
import { ConcordClient } from '@concord/sdk';
import { ConsortiumSpec, governanceCommand } from '../../../libs/devtools/src/demo/consortium';
import { eventually, startTestNetwork, TestNetwork, TEST_KAFKA_BROKERS } from '@concord/testing';

const spec: ConsortiumSpec = {
  chainId: 'e2e-key-rotation',
  secret: 'e2e-key-rotation-secret',
  signerCount: 4,
  quorum: 3,
  participants: [
    { id: 'alpha', name: 'Alpha', currencies: ['USD'], fundsMinor: 1_000_000n },
    { id: 'beta', name: 'Beta', currencies: ['USD'], fundsMinor: 1_000_000n },
  ],
};

jest.setTimeout(120_000);

/**
 * A partner rotates its key through governance: the new key is accepted by the gateway and every signer
 * once the block that adds it is final, and the old one is refused once its revocation is.
 */
describe('key rotation', () => {
  let net: TestNetwork;
  beforeAll(async () => {
    net = await startTestNetwork(spec);
  });
  afterAll(async () => net?.stop());

  it('signs with a new key after governance adds it, and refuses the old one after it is revoked', async () => {
    const kafka = new Kafka({
      clientId: 'e2e-keys',
      brokers: [TEST_KAFKA_BROKERS],
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    const govern = (proposalId: string, action: Parameters<typeof governanceCommand>[2]) =>
      producer.send({
        topic: topicName('ledgerCommands', net.network.options.topicPrefix),
        messages: [{ value: JSON.stringify(governanceCommand(spec, proposalId, action)) }],
      });
    const seedHex = '3c'.repeat(32);
    const rotated = new ConcordClient({ baseUrl: net.network.gatewayUrl, keyId: 'alpha-2', seedHex });
    const old = net.client('alpha');
    const transfer = (id: string) => ({ id, payer: 'alpha', payee: 'beta', amount: '1.00', currency: 'USD' });

    const before = await rotated.createTransfer(transfer('kr-0'));
    expect([before.status, (before.body as unknown as { code: string }).code]).toEqual([401, 'UNKNOWN_KEY']);

    await govern('kr-add', {
      kind: 'add-participant-key',
      participantId: 'alpha',
      key: { keyId: 'alpha-2', publicKey: signingKeyFromSeed(seedHex).publicKeyHex },
    });
    const first = await eventually(
      async () => {
        const res = await rotated.createTransfer(transfer('kr-1'), { waitMs: 5000 });
        return res.status === 401 ? undefined : res;
      },
      20_000,
      'the new key to be known',
    );
    expect(first.body.status).toBe('committed');
    // Both keys work while both are active.
    expect((await old.createTransfer(transfer('kr-2'), { waitMs: 5000 })).body.status).toBe('committed');

    await govern('kr-revoke', { kind: 'revoke-participant-key', participantId: 'alpha', keyId: 'alpha-1' });
    const refused = await eventually(
      async () => {
        const res = await old.getTransfer('kr-2');
        return res.status === 401 ? res : undefined;
      },
      20_000,
      'the old key to be refused',
    );
    expect((refused.body as unknown as { code: string }).code).toBe('UNKNOWN_KEY');
    expect((await rotated.createTransfer(transfer('kr-3'), { waitMs: 5000 })).body.status).toBe('committed');
    // Every signer holds the same balances, the rotated key's transfers included.
    const balances = await net.query<{ n: number }>(
      `select count(distinct balance_minor)::int as n from (
         ${net.network.signers.map((s) => `select balance_minor from ledger_${s}.balances where account_id = 'alpha/USD'`).join(' union all ')}) b`,
    );
    expect(balances[0].n).toBe(1);
    const committed = await net.query<{ n: number }>(
      `select count(*)::int as n from gateway.transfers where id like 'kr-%' and status = 'committed'`,
    );
    expect(committed[0].n).toBe(3);
    await producer.disconnect();
  });
});
