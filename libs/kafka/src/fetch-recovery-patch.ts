/**
 * A consumer whose partition leader dies looks for the new leader at once, instead of after its retries.
 *
 * kafkajs 2.2.4's consumer recovers a failed fetch by refreshing the cluster metadata only for a few errors
 * (a stale leader, a closed connection, a broker not found). A broker killed outright refuses the next
 * connection (`KafkaJSConnectionError: connect ECONNREFUSED`), which it rethrows: the runner then retries
 * the fetch with the same metadata, against the same dead broker, until its retries run out (9 s with
 * kafkajs's backoff) and the consumer crashes, and only the new consumer that SupervisedConsumer starts
 * reads fresh metadata. Measured on three brokers with the command log's leader SIGKILLed: every signer's
 * and the gateway's consumers stayed on the dead broker for 9-10 s (docs/deployment.md).
 *
 * Here that error is recovered as a closed connection is: the broker is dropped from the pool and the
 * metadata refreshed from the brokers still up, after a short pause (so that a leader not moved yet is
 * not asked for in a tight loop), and the fetch loop goes on. Once the controller has elected a new
 * leader, the fetch manager sees the node ids change and moves its fetchers to it.
 *
 * The same for the group's coordinator (heartbeats and offset commits): below.
 *
 * Applied once, when libs/kafka is first imported, to the ConsumerGroup class of every kafkajs consumer.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { KafkaJSProtocolError } = require('kafkajs/src/errors') as {
  KafkaJSProtocolError: new (
    e: { message: string; type: string; code: number; retriable: boolean },
    options: { retriable: boolean },
  ) => Error;
};

/** How long a fetch that found its broker dead waits before it asks the others for the leaders again. */
export const DEAD_BROKER_PAUSE_MS = 250;
/** The longest a fetch waits for that metadata refresh before it tries again. */
const REFRESH_WAIT_MS = 1_000;

interface ClusterLike {
  removeBroker(address: { host: string; port: number }): void;
  refreshMetadata(): Promise<void>;
}

interface ConsumerGroupLike {
  cluster: ClusterLike;
  recoverFromFetch(e: unknown): Promise<void>;
  heartbeat(args: unknown): Promise<void>;
  commitOffsets(offsets: unknown): Promise<void>;
}

interface ConsumerGroupClass {
  prototype: ConsumerGroupLike & { concordFetchRecoveryPatched?: boolean };
}

interface ConnectionErrorLike {
  name?: string;
  /** `host:port` of the broker (kafkajs's KafkaJSConnectionError). */
  broker?: string;
}

/** host and port of a `host:port` address (an IPv6 host keeps its colons). */
function address(broker: string | undefined): { host: string; port: number } | undefined {
  const i = broker?.lastIndexOf(':') ?? -1;
  if (!broker || i <= 0) return undefined;
  const port = Number(broker.slice(i + 1));
  return Number.isInteger(port) ? { host: broker.slice(0, i), port } : undefined;
}

/** The class of every kafkajs consumer's group (kafkajs has no export map, so the path is open). */
export function kafkajsConsumerGroup(): ConsumerGroupClass {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('kafkajs/src/consumer/consumerGroup') as ConsumerGroupClass;
}

/** Whether a fetch failed because its broker refused or lost the connection (a dead broker). */
export function isDeadBrokerError(e: unknown): e is ConnectionErrorLike {
  const error = e as ConnectionErrorLike | null;
  return error?.name === 'KafkaJSConnectionError';
}

/** Makes a refused connection recover like a closed one; idempotent. */
export function patchFetchRecovery(pauseMs = DEAD_BROKER_PAUSE_MS): void {
  const { prototype } = kafkajsConsumerGroup();
  if (prototype.concordFetchRecoveryPatched) return;
  const original = prototype.recoverFromFetch;
  if (typeof original !== 'function') {
    throw new Error('kafkajs ConsumerGroup has no recoverFromFetch: review fetch-recovery-patch.ts');
  }
  prototype.recoverFromFetch = async function (this: ConsumerGroupLike, e: unknown): Promise<void> {
    if (!isDeadBrokerError(e)) return original.call(this, e);
    const dead = address(e.broker);
    if (dead) this.cluster.removeBroker(dead);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    // The brokers still up answer; if none does, the next fetch fails again and comes back here. With every
    // broker down the refresh would retry for ~22 s (KAFKA_RETRY) and hold up a consumer's disconnect, which
    // waits for the fetch in flight: the fetch loop waits for it one second at most.
    const refreshed = this.cluster.refreshMetadata().catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([refreshed, new Promise((resolve) => (timer = setTimeout(resolve, REFRESH_WAIT_MS)))]);
    clearTimeout(timer);
  };
  // The group's coordinator may have died with the broker: kafkajs keeps sending it heartbeats and offset
  // commits, retried on the same dead connection until the consumer crashes (measured: the gateway's
  // finalized-blocks consumer 7 s after the kill). Said as the coordinator itself would say it has moved,
  // NOT_COORDINATOR_FOR_GROUP, the runner rejoins at once, which looks the coordinator up afresh.
  for (const method of ['heartbeat', 'commitOffsets'] as const) {
    const call = prototype[method] as (this: ConsumerGroupLike, arg: unknown) => Promise<void>;
    if (typeof call !== 'function') {
      throw new Error(`kafkajs ConsumerGroup has no ${method}: review fetch-recovery-patch.ts`);
    }
    prototype[method] = async function (this: ConsumerGroupLike, arg: unknown): Promise<void> {
      try {
        return await call.call(this, arg);
      } catch (e) {
        if (!isDeadBrokerError(e)) throw e;
        throw coordinatorMoved(e);
      }
    };
  }
  prototype.concordFetchRecoveryPatched = true;
}

/** A retriable protocol error of type NOT_COORDINATOR_FOR_GROUP, which kafkajs's runner answers by rejoining. */
export function coordinatorMoved(cause: ConnectionErrorLike & { message?: string }): Error {
  return new KafkaJSProtocolError(
    {
      message: `the group coordinator ${cause.broker ?? ''} is unreachable (${cause.message ?? 'connection error'})`,
      type: 'NOT_COORDINATOR_FOR_GROUP',
      code: 16,
      retriable: true,
    },
    { retriable: true },
  );
}
