import { KafkaJSConnectionError } from 'kafkajs';
import { kafkajsConsumerGroup, patchFetchRecovery } from './fetch-recovery-patch';

/** kafkajs's own recoverFromFetch on a consumer group whose cluster only records what it is asked. */
function group(refresh: () => Promise<void> = () => Promise.resolve()) {
  const calls: string[] = [];
  const cluster = {
    removeBroker: ({ host, port }: { host: string; port: number }) => calls.push(`remove ${host}:${port}`),
    refreshMetadata: () => {
      calls.push('refresh');
      return refresh();
    },
  };
  const recover = kafkajsConsumerGroup().prototype.recoverFromFetch;
  return { calls, recover: (e: unknown) => recover.call({ cluster, logger: quiet }, e) };
}
const quiet = {
  debug: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  info: () => undefined,
};

describe('kafkajs consumer recovery from a dead broker', () => {
  beforeAll(() => patchFetchRecovery(0));

  it('drops a broker that refuses connections and refreshes the metadata, instead of failing the fetch', async () => {
    const { calls, recover } = group();
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:19093', {
      broker: '127.0.0.1:19093',
    });
    await expect(recover(refused)).resolves.toBeUndefined();
    expect(calls).toEqual(['remove 127.0.0.1:19093', 'refresh']);
  });

  it('goes back to fetching after a second when no broker answers the refresh (a stop waits for it)', async () => {
    const { recover } = group(() => new Promise<void>(() => undefined));
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:19093', {
      broker: '127.0.0.1:19093',
    });
    const started = Date.now();
    await recover(refused);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('leaves every other error to kafkajs, which rethrows what it cannot recover', async () => {
    const { calls, recover } = group();
    const other = new Error('handler failed');
    await expect(recover(other)).rejects.toBe(other);
    expect(calls).toEqual([]);
  });

  it('turns a dead coordinator under a commit (or heartbeat) into NOT_COORDINATOR_FOR_GROUP: the runner rejoins', async () => {
    const { isRebalancing } = jest.requireActual<{ isRebalancing: (e: unknown) => boolean }>(
      'kafkajs/src/errors',
    );
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:19093', {
      broker: '127.0.0.1:19093',
    });
    const { prototype } = kafkajsConsumerGroup();
    // heartbeat and commitOffsets share the wrapper; commitOffsets calls offsetManager directly.
    const coordinatorDead = { offsetManager: { commitOffsets: () => Promise.reject(refused) } };
    const commit = prototype.commitOffsets.bind(coordinatorDead);
    const commitError = await commit([]).catch((e: unknown) => e);
    expect(isRebalancing(commitError)).toBe(true);
    expect((commitError as Error).message).toContain('127.0.0.1:19093');
    const other = new Error('offset out of range');
    const failing = prototype.commitOffsets.bind({
      offsetManager: { commitOffsets: () => Promise.reject(other) },
    });
    await expect(failing([])).rejects.toBe(other);
  });

  it('is applied once, however often libs/kafka is loaded', () => {
    const patched = kafkajsConsumerGroup().prototype.recoverFromFetch;
    patchFetchRecovery(0);
    expect(kafkajsConsumerGroup().prototype.recoverFromFetch).toBe(patched);
  });
});
