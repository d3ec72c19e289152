import { gzipSync, unzipSync } from 'node:zlib';
import { CompressionCodecs, CompressionTypes, Kafka, KafkaMessage, logLevel, Producer } from 'kafkajs';
import type { z } from 'zod';
import { DeadLetter, topicName } from '@concord/contracts';
import { patchFetchRecovery } from './fetch-recovery-patch';
import { patchRequestQueueIdleLoop } from './request-queue-patch';
import { SupervisedConsumer } from './supervised-consumer';

// Every process that talks to Kafka does so through this library: fix kafkajs's idle timer loop and its
// consumers' recovery from a dead broker once here.
patchRequestQueueIdleLoop();
patchFetchRecovery();

/**
 * kafkajs's gzip codec (its own calls zlib at the default level 6), at zlib's fastest level: a finalized
 * block compresses in a fraction of the CPU for a little more on the wire, still far under Kafka's 1 MB
 * bound. Any gzip decompresses the same, so consumers read messages of either level.
 *
 * Both directions run synchronously. zlib's asynchronous calls hand their output back 16 KB at a time, one
 * thread-pool round trip and one event-loop turn per piece: in the gateway, whose event loop is busy with
 * HTTP requests, a finalized block waited far longer for those turns than the inflating took. The figures
 * are in docs/performance.md.
 */
const GZIP_LEVEL = 1;
CompressionCodecs[CompressionTypes.GZIP] = () => ({
  compress: (encoder: { buffer: Buffer }) => Promise.resolve(gzipSync(encoder.buffer, { level: GZIP_LEVEL })),
  decompress: (buffer: Buffer) => Promise.resolve(unzipSync(buffer)),
});

export interface KafkaSettings {
  brokers: string;
  clientId: string;
  topicPrefix: string;
}

/** A consumer group's name under the settings' topic prefix, so that each run or network has its own. */
export function groupName(topicPrefix: string | undefined, name: string): string {
  return topicPrefix ? `${topicPrefix}.${name}` : name;
}

/**
 * Retries of every Kafka request (a produce refreshes the metadata before each): 0.1, 0.2, 0.4 s, then
 * every half second. A send retries a dead leader's partition twice a second until the controller has
 * moved it (kafkajs's default backoff doubles up to 30 s, so a leader moved after 3 s was found only at
 * the 6.3 s retry); and gives up after ~22 s of a whole cluster down, as the earlier 8 doubling retries did.
 */
export const KAFKA_RETRY = { initialRetryTime: 100, maxRetryTime: 500, retries: 45 };

export function createKafka(settings: KafkaSettings): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers.split(','),
    // kafkajs logs every retried request at ERROR (a coordinator still loading, a leader moving); failures
    // that matter surface as rejected calls or consumer crash events, which the services log themselves.
    logLevel: logLevel.NOTHING,
    retry: KAFKA_RETRY,
  });
}

/**
 * An idempotent producer that waits for every in-sync replica (acks = all): a message acknowledged to a
 * caller is on the broker exactly once, even when the producer retries after a network fault.
 */
export async function createProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  return producer;
}

/** Sends JSON values (strings as they are) with acks = all, in one produce request. */
export async function sendJson(
  producer: Producer,
  topic: string,
  messages: { key?: string; value: unknown }[],
  options: { gzip?: boolean } = {},
): Promise<void> {
  if (messages.length === 0) return;
  await producer.send({
    topic,
    acks: -1,
    // gzip (kafkajs's built-in codec, node's zlib off the event loop) for large repetitive JSON such as a
    // finalized block: the broker's 1 MB bound applies to the compressed batch, and consumers
    // decompress transparently.
    ...(options.gzip ? { compression: CompressionTypes.GZIP } : {}),
    messages: messages.map((m) => ({
      key: m.key,
      value: typeof m.value === 'string' ? m.value : JSON.stringify(m.value),
    })),
  });
}

/** A dead letter as it goes to the topic: keyed by where the refused message was. */
export interface DeadLetterMessage {
  key: string;
  value: DeadLetter;
}

/**
 * The dead letter of one consumed message that a service refused: where it was, its raw value as text
 * (so that it can be inspected and replayed as it was) and why it was refused.
 */
export function deadLetterOf(
  source: { topic: string; partition: number },
  message: KafkaMessage,
  reason: string,
  service: string,
): DeadLetterMessage {
  return {
    key: `${source.topic}:${source.partition}:${message.offset}`,
    value: {
      topic: source.topic,
      partition: source.partition,
      offset: message.offset,
      key: message.key?.toString('utf8') ?? null,
      value: message.value?.toString('utf8') ?? '',
      reason,
      service,
    },
  };
}

/**
 * Sends dead letters to the dead-letter topic under the prefix and resolves once the broker has them, so
 * that a consumer moves past a refused message only after it is on record.
 */
export async function sendDeadLetters(
  producer: Producer,
  topicPrefix: string,
  letters: DeadLetterMessage[],
): Promise<void> {
  await sendJson(producer, topicName('deadLetter', topicPrefix), letters);
}

export interface ValidatedMessage<T> {
  value: T;
  offset: string;
  partition: number;
  timestampMs: number;
  raw: KafkaMessage;
}

export interface ConsumeOptions<S extends z.ZodType> {
  topic: string;
  groupId: string;
  schema: S;
  service: string;
  settings: KafkaSettings;
  kafka: Kafka;
  producer: Producer;
  fromBeginning?: boolean;
  /**
   * A group of its own per start that commits nothing, reading from `position()` after every join: for a
   * consumer whose position is kept with what it writes (see SupervisedConsumer).
   */
  ephemeral?: { position: () => string | undefined };
  /** Told of every failure after which the consumer starts again. */
  onRestart?: (error: unknown, delayMs: number) => void;
  /** Handles a batch of valid messages; offsets are committed only after it resolves. */
  handle: (messages: ValidatedMessage<z.infer<S>>[]) => Promise<void>;
}

/**
 * Consumes a topic, validating each message against its contract. An invalid message goes to the dead
 * letter topic with the reason, and its offset is committed only once that send succeeded, so nothing is
 * dropped silently. Offsets of valid messages are committed only after the handler finished with them.
 * The consumer restarts by itself after any failure (a broker outage, a handler whose database was down):
 * the batch that failed is read again. Resolves once the consumer is subscribed, before it has joined its
 * group, so that a process restarted after a crash serves while its dead predecessor's session expires.
 */
export async function consumeValidated<S extends z.ZodType>(
  options: ConsumeOptions<S>,
): Promise<SupervisedConsumer> {
  const supervised: SupervisedConsumer = new SupervisedConsumer({
    kafka: options.kafka,
    topic: options.topic,
    groupId: options.groupId,
    ephemeral: options.ephemeral !== undefined,
    position: options.ephemeral?.position,
    fromBeginning: options.fromBeginning ?? true,
    onRestart: options.onRestart,
    run: {
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale()) return;
        const valid: ValidatedMessage<z.infer<S>>[] = [];
        const dead: DeadLetterMessage[] = [];
        for (const message of batch.messages) {
          const reason = validate(options.schema, message.value?.toString('utf8') ?? '');
          if (reason.ok) {
            valid.push({
              value: reason.value,
              offset: message.offset,
              partition: batch.partition,
              timestampMs: Number(message.timestamp),
              raw: message,
            });
          } else {
            dead.push(deadLetterOf(batch, message, reason.reason, options.service));
          }
        }
        await sendDeadLetters(options.producer, options.settings.topicPrefix, dead);
        if (valid.length > 0) await options.handle(valid);
        const last = batch.messages[batch.messages.length - 1];
        if (last) {
          resolveOffset(last.offset);
          if (!options.ephemeral) await supervised.commit(batch.topic, batch.partition, last.offset);
        }
        await heartbeat();
      },
    },
  });
  await supervised.start();
  return supervised;
}

export function validate<S extends z.ZodType>(
  schema: S,
  text: string,
): { ok: true; value: z.infer<S> } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `not JSON: ${(e as Error).message}` };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    reason: result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
  };
}

export interface CoalescingOptions {
  /** Records per produce request at most (1000). */
  maxBatch?: number;
  /**
   * How long records may wait for others before a request goes out while fewer than `lingerChars` are
   * queued (0: no waiting, the default).
   */
  lingerMs?: number;
  /** Queued characters of record values at which a request goes out without lingering (64 Ki). */
  lingerChars?: number;
}

/**
 * Coalesces concurrent sends to one topic into a single produce request. An idempotent producer keeps one
 * request in flight, so sending one record per HTTP request would serialize every caller behind the
 * previous acknowledgement; here the callers that arrive while a request is in flight go out together in
 * the next one, and each caller's promise settles when its own record is acknowledged (or failed).
 *
 * With `lingerMs`, small records also wait that long for company, as Kafka's own `linger.ms` does: every
 * produce request wakes every consumer of the topic, so a trickle of one-record requests costs the broker
 * and each consumer a fetch per record. A request goes out at once when the queue holds `lingerChars`.
 */
export class CoalescingSender {
  private queue: { value: string; key?: string; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private queuedChars = 0;
  private sending = false;
  /** Ends the current linger early; set only while lingering. */
  private stopLingering: (() => void) | null = null;
  private readonly maxBatch: number;
  private readonly lingerMs: number;
  private readonly lingerChars: number;

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    options: CoalescingOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 1000;
    this.lingerMs = options.lingerMs ?? 0;
    this.lingerChars = options.lingerChars ?? 64 * 1024;
  }

  send(value: unknown, key?: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      this.queue.push({ value: text, key, resolve, reject });
      this.queuedChars += text.length;
      if (this.stopLingering && this.queuedChars >= this.lingerChars) this.stopLingering();
      if (!this.sending) void this.drain();
    });
  }

  /** Waits `lingerMs`, or less if the queue fills up to `lingerChars` meanwhile. */
  private linger(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.stopLingering = null;
        resolve();
      };
      const timer = setTimeout(done, this.lingerMs);
      this.stopLingering = done;
    });
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        if (this.lingerMs > 0 && this.queuedChars < this.lingerChars) await this.linger();
        const batch = this.queue.splice(0, this.maxBatch);
        for (const m of batch) this.queuedChars -= m.value.length;
        try {
          await this.producer.send({
            topic: this.topic,
            acks: -1,
            messages: batch.map((m) => ({ key: m.key, value: m.value })),
          });
          for (const m of batch) m.resolve();
        } catch (error) {
          for (const m of batch) m.reject(error);
        }
      }
    } finally {
      this.sending = false;
    }
  }
}
