import { randomBytes } from 'node:crypto';
import type { Consumer, ConsumerConfig, ConsumerRunConfig, Kafka } from 'kafkajs';

/**
 * Group membership timing for every consumer. kafkajs's defaults (a 30 s session, a 60 s rebalance) make a
 * process restarted after SIGKILL wait for its dead predecessor's session to expire before it gets the
 * partition back; 10 s is above the broker's minimum (6 s) and long enough for a garbage collection pause.
 */
const SESSION_TIMEOUT_MS = 10_000;
const HEARTBEAT_INTERVAL_MS = 1_000;
const REBALANCE_TIMEOUT_MS = 10_000;
/**
 * How long the broker holds a fetch that finds nothing new. A consumer's disconnect waits for the fetch in
 * flight, so kafkajs's 5 s default made every service take about 5 s to stop; a second costs an idle consumer
 * one empty fetch a second and changes nothing under load (a fetch returns as soon as there is data).
 */
export const FETCH_MAX_WAIT_MS = 1_000;

/** The first wait before a failed consumer starts again, and the longest one. */
const RESTART_BACKOFF_FIRST_MS = 200;
const RESTART_BACKOFF_MAX_MS = 5_000;

/** Retries of each Kafka request inside kafkajs before its caller sees the error. */
const REQUEST_RETRIES = 5;

export interface SupervisedConsumerOptions {
  kafka: Kafka;
  topic: string;
  /**
   * The consumer group. With `ephemeral`, each start joins a group of its own (this name and a random
   * suffix): a process that keeps its position elsewhere (its database) neither waits for a dead
   * predecessor's session nor shares its partitions with a replica.
   */
  groupId: string;
  ephemeral?: boolean;
  fromBeginning: boolean;
  /** Where to read from after each join; undefined for the group's committed offset (or the topic's start). */
  position?: () => string | undefined;
  config?: Partial<ConsumerConfig>;
  run: ConsumerRunConfig;
  /** Told of every failure that restarts the consumer, with the wait before the restart. */
  onRestart?: (error: unknown, delayMs: number) => void;
}

/**
 * A Kafka consumer that never stays down. kafkajs restarts a crashed consumer only after errors it deems
 * retriable: a broker refusing connections for longer than the request retries, or a handler whose database
 * call failed, left the consumer stopped for good while the process lived on. Here every crash is followed by
 * a new consumer after a growing wait (reset by a successful join), until `disconnect()`.
 */
export class SupervisedConsumer {
  private consumer: Consumer | null = null;
  private stopped = false;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: SupervisedConsumerOptions) {}

  /** Starts the consumer; resolves once it has connected and subscribed (not when it has joined). */
  async start(): Promise<void> {
    if (this.stopped) return;
    const { options } = this;
    const consumer = options.kafka.consumer({
      groupId: options.ephemeral ? `${options.groupId}.${randomBytes(6).toString('hex')}` : options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: SESSION_TIMEOUT_MS,
      rebalanceTimeout: REBALANCE_TIMEOUT_MS,
      heartbeatInterval: HEARTBEAT_INTERVAL_MS,
      maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
      // Restarts are this class's job, for every kind of crash alike (see the class comment).
      retry: { retries: REQUEST_RETRIES, restartOnFailure: async () => false },
      ...options.config,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (event) => this.restartLater(consumer, event.payload.error));
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.failures = 0;
      const offset = options.position?.();
      if (offset !== undefined) consumer.seek({ topic: options.topic, partition: 0, offset });
    });
    // A stop that arrives while connecting must not leave this consumer running behind it.
    const abandoned = async () => {
      if (!this.stopped && consumer === this.consumer) return false;
      await consumer.disconnect().catch(() => undefined);
      return true;
    };
    try {
      await consumer.connect();
      if (await abandoned()) return;
      await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning });
      if (await abandoned()) return;
      // run() resolves after the first join; a join that fails surfaces as a CRASH event, handled above.
      void consumer.run(options.run).catch((error: unknown) => this.restartLater(consumer, error));
    } catch (error) {
      this.restartLater(consumer, error);
    }
  }

  private restartLater(consumer: Consumer, error: unknown): void {
    // A crash of a consumer already replaced (or stopped) has been dealt with.
    if (this.stopped || consumer !== this.consumer || this.restartTimer) return;
    const delayMs = Math.min(RESTART_BACKOFF_FIRST_MS * 2 ** this.failures, RESTART_BACKOFF_MAX_MS);
    this.failures += 1;
    this.options.onRestart?.(error, delayMs);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void consumer
        .disconnect()
        .catch(() => undefined)
        .then(() => this.start());
    }, delayMs);
  }

  /** Commits the offset after `offset` for the group (a consumer that is not ephemeral). */
  async commit(topic: string, partition: number, offset: string): Promise<void> {
    await this.consumer?.commitOffsets([{ topic, partition, offset: (BigInt(offset) + 1n).toString() }]);
  }

  async disconnect(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    await this.consumer?.disconnect();
  }
}
