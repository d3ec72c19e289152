import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import {
  FxErrorReply,
  FxOkReplies,
  FxReply,
  fxReplySchema,
  FxRequest,
  FxRequestType,
  topicName,
} from '@concord/contracts';
import {
  FETCH_MAX_WAIT_MS,
  createKafka,
  createProducer,
  deadLetterOf,
  groupName,
  KafkaSettings,
  sendDeadLetters,
  sendJson,
  validate,
} from '@concord/kafka';

/** The fields of a request of type T that the caller gives (the client adds v, requestId and times). */
export type FxRequestBody<T extends FxRequestType> = Omit<
  Extract<FxRequest, { type: T }>,
  'v' | 'type' | 'requestId' | 'sentAtMs' | 'deadlineMs'
>;

export type FxResult<T extends FxRequestType> = FxOkReplies[T] | FxErrorReply;

export class FxTimeoutError extends Error {
  constructor(
    readonly requestId: string,
    timeoutMs: number,
  ) {
    super(`no reply from the FX service to ${requestId} within ${timeoutMs} ms`);
    this.name = 'FxTimeoutError';
  }
}

export interface FxClientOptions {
  settings: KafkaSettings;
  /** How long to wait for a reply (default 5 s); the request carries it as its deadline. */
  timeoutMs?: number;
  /** Reuse a Kafka client and producer (the gateway has them already); otherwise the client makes its own. */
  kafka?: Kafka;
  producer?: Producer;
}

interface Pending {
  resolve: (reply: FxReply) => void;
  timer: NodeJS.Timeout;
}

/**
 * Request/reply with the FX service over Kafka: a request goes to fxQuoteRequests keyed by its id, and
 * the reply comes back on fxQuoteReplies keyed by the same id. Each client reads the replies in a consumer
 * group of its own, starting at the end of the topic as it was when it started, and keeps those it waits
 * for. Errors come back as values (`ok: false` with a typed code); only a missing reply throws
 * (FxTimeoutError).
 */
export class FxClient {
  private readonly kafka: Kafka;
  private producer: Producer | null;
  private readonly ownsProducer: boolean;
  private consumer: Consumer | null = null;
  private readonly pending = new Map<string, Pending>();
  private readonly timeoutMs: number;

  constructor(private readonly options: FxClientOptions) {
    this.kafka = options.kafka ?? createKafka(options.settings);
    this.producer = options.producer ?? null;
    this.ownsProducer = !options.producer;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  async start(): Promise<void> {
    if (!this.producer) this.producer = await createProducer(this.kafka);
    const producer = this.producer;
    const topic = topicName('fxQuoteReplies', this.options.settings.topicPrefix);
    const admin = this.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
    const prefix = this.options.settings.topicPrefix;
    const consumer = this.kafka.consumer({
      groupId: groupName(prefix, `fx-client-${randomUUID()}`),
      allowAutoTopicCreation: false,
      // The gateway's shutdown waits for the fetch in flight (see FETCH_MAX_WAIT_MS).
      maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
    });
    this.consumer = consumer;
    await consumer.connect();
    const joined = new Promise<void>((resolve) => {
      const off = consumer.on(consumer.events.GROUP_JOIN, () => {
        off();
        resolve();
      });
    });
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic: from, partition, message }) => {
        const parsed = validate(fxReplySchema, message.value?.toString('utf8') ?? '');
        if (!parsed.ok) {
          // Not JSON or not a reply: whichever request it answered can only time out, so the message
          // goes on record with its reason, and the client reads on.
          await sendDeadLetters(producer, prefix, [
            deadLetterOf({ topic: from, partition }, message, parsed.reason, 'fx-client'),
          ]);
          return;
        }
        const waiting = this.pending.get(parsed.value.requestId);
        if (!waiting) return;
        this.pending.delete(parsed.value.requestId);
        clearTimeout(waiting.timer);
        waiting.resolve(parsed.value);
      },
    });
    // Replies written before this client started are not its business: start at the end of each partition.
    for (const { partition, offset } of ends) consumer.seek({ topic, partition, offset });
    await joined;
  }

  async stop(): Promise<void> {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
    }
    // The replies' consumer group is this client's alone (a fresh id at every start) and commits nothing,
    // so a disconnect that hangs has nothing to lose: after a broker outage kafkajs's leave-group could
    // hold the gateway's SIGTERM for 9 s and more (the availability e2e). Wait for it a bounded time.
    const consumer = this.consumer;
    this.consumer = null;
    if (consumer) await boundedWait(consumer.disconnect(), STOP_WAIT_MS);
    if (this.ownsProducer) await this.producer?.disconnect();
  }

  /** Sends a request and waits for its reply. */
  async request<T extends FxRequestType>(
    type: T,
    body: FxRequestBody<T>,
    options: { timeoutMs?: number; requestId?: string } = {},
  ): Promise<FxResult<T>> {
    if (!this.producer || !this.consumer) throw new Error('FxClient.start() first');
    const requestId = options.requestId ?? `fxr-${randomUUID()}`;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const now = Date.now();
    const message = { ...body, v: 1, type, requestId, sentAtMs: now, deadlineMs: now + timeoutMs };
    const reply = new Promise<FxReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new FxTimeoutError(requestId, timeoutMs));
      }, timeoutMs);
      this.pending.set(requestId, { resolve, timer });
    });
    try {
      await sendJson(this.producer, topicName('fxQuoteRequests', this.options.settings.topicPrefix), [
        { key: requestId, value: message },
      ]);
    } catch (e) {
      const waiting = this.pending.get(requestId);
      if (waiting) clearTimeout(waiting.timer);
      this.pending.delete(requestId);
      throw e;
    }
    return (await reply) as FxResult<T>;
  }

  quote(body: FxRequestBody<'quote'>, options?: { timeoutMs?: number }) {
    return this.request('quote', body, options);
  }

  setSpread(body: FxRequestBody<'set-spread'>, options?: { timeoutMs?: number }) {
    return this.request('set-spread', body, options);
  }

  setMarkup(body: FxRequestBody<'set-markup'>, options?: { timeoutMs?: number }) {
    return this.request('set-markup', body, options);
  }

  setFee(body: FxRequestBody<'set-fee'>, options?: { timeoutMs?: number }) {
    return this.request('set-fee', body, options);
  }

  getPricing(body: FxRequestBody<'get-pricing'>, options?: { timeoutMs?: number }) {
    return this.request('get-pricing', body, options);
  }
}

/** How long stop() waits for the replies' consumer to leave its group. */
const STOP_WAIT_MS = 1_500;

/** Waits for `work` at most `ms`; a rejection or a timeout both just end the wait. */
async function boundedWait(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
