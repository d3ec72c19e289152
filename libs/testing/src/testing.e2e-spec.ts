import { Kafka, logLevel } from 'kafkajs';
import { ConsortiumSpec } from '../../devtools/src/demo/consortium';
import { ensureTopics } from '../../devtools/src/infra/infra';
import { deleteTestTopics, startTestNetwork, TEST_KAFKA_BROKERS, uniqueName } from '.';

jest.setTimeout(120_000);

/** The smallest network that becomes ready: one signer with quorum 1 and the gateway. */
const spec: ConsortiumSpec = {
  chainId: 'e2e-testing-harness',
  secret: 'e2e-testing-harness-secret',
  signerCount: 1,
  quorum: 1,
  participants: [{ id: 'hk-remit', name: 'HK Remit', currencies: ['USD'], fundsMinor: 1_000n }],
};

describe('startTestNetwork', () => {
  const other = uniqueName('t');
  const admin = new Kafka({
    clientId: 'testing-e2e',
    brokers: [TEST_KAFKA_BROKERS],
    logLevel: logLevel.NOTHING,
  }).admin();

  beforeAll(async () => {
    await admin.connect();
    // Another run's topics, which the stop of this network must leave alone.
    await ensureTopics(TEST_KAFKA_BROKERS, other);
  });

  afterAll(async () => {
    await deleteTestTopics(other);
    await admin.disconnect();
  });

  it("deletes its own prefix's topics on stop, and no other prefix's", async () => {
    const net = await startTestNetwork(spec, { only: ['ledger-s1', 'gateway'] });
    const prefix = net.network.options.topicPrefix;
    const own = (topics: string[]) => topics.filter((t) => t.startsWith(`${prefix}.`));
    const others = (topics: string[]) => topics.filter((t) => t.startsWith(`${other}.`));
    const before = await admin.listTopics();
    expect(own(before).length).toBeGreaterThanOrEqual(10);
    expect(others(before).length).toBeGreaterThanOrEqual(10);
    await net.stop();
    // Topic deletion is asynchronous on the broker: wait until the listing no longer shows them.
    const deadline = Date.now() + 20_000;
    let after = await admin.listTopics();
    while (own(after).length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      after = await admin.listTopics();
    }
    expect(own(after)).toEqual([]);
    expect(others(after).sort()).toEqual(others(before).sort());
  });
});
