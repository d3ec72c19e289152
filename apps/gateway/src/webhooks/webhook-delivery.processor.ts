import { Job, Queue, Worker } from 'bullmq';
import type { Logger } from '@concord/observability';
import { AttemptResult, deliveryJobs, postSignedWebhook } from '@concord/webhooks';
import { webhookBody } from './iso20022-webhooks';
import { DeliveryRow, WebhookRow, WebhooksRepository } from './webhooks.repository';
import { bullConnection } from '@concord/config';
import type { GatewayMetrics } from '../metrics/gateway.metrics';
import { WEBHOOK_EVENTS } from '@concord/contracts';

export const WEBHOOK_QUEUE = 'gateway-webhooks';

export interface DeliverySettings {
  /** HTTP attempts before a delivery is dead. */
  attempts: number;
  /** Delay before the second attempt; doubled before each further one. */
  backoffMs: number;
  /** Longest wait for the receiver's answer. */
  timeoutMs: number;
  concurrency: number;
  /** GATEWAY_WEBHOOK_ALLOW_PRIVATE_URLS: else an attempt to a non-public address fails without a request. */
  allowPrivateUrls?: boolean;
}

export type { AttemptResult };

/** How often deliveries left pending (Redis was down when their block was applied) are queued again. */
const SWEEP_INTERVAL_MS = 30_000;
const SWEEP_BATCH = 5000;

const KNOWN_EVENTS = new Set<string>(WEBHOOK_EVENTS);

/**
 * Sends webhook deliveries through a BullMQ queue (one per topic prefix). The job id is the delivery id,
 * so queueing a delivery twice (a block applied again, a sweep after a crash) sends it once; the
 * database row is checked before every attempt, so a delivered, dead or cancelled delivery is never sent
 * again either. Each attempt is logged; a failed one is retried with exponential backoff, and the last
 * failure leaves the delivery `dead`.
 */
export class WebhookDeliveryProcessor {
  private queue: Queue | null = null;
  private worker: Worker | null = null;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly settings: DeliverySettings,
    private readonly repository: WebhooksRepository,
    private readonly log: Logger,
    private readonly send: typeof fetch = fetch,
    private readonly metrics?: Pick<GatewayMetrics, 'webhookDeliveries'>,
  ) {}

  async start(): Promise<void> {
    const connection = bullConnection(this.redisUrl);
    const prefix = this.prefix ? `bull:${this.prefix}` : 'bull';
    this.queue = new Queue(WEBHOOK_QUEUE, { connection, prefix });
    this.worker = new Worker(WEBHOOK_QUEUE, (job: Job<{ deliveryId: string }>) => this.process(job), {
      connection,
      prefix,
      concurrency: this.settings.concurrency,
    });
    this.worker.on('error', (error) => this.log.error({ err: error.message }, 'webhook worker error'));
    await this.sweep();
    this.sweeper = setInterval(() => {
      this.sweep().catch((error: Error) =>
        this.log.warn({ err: error.message }, 'could not queue pending webhook deliveries'),
      );
    }, SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await this.worker?.close();
    await this.queue?.close();
  }

  /**
   * After blocks were applied: queues their deliveries. A failure (Redis away) loses nothing: the
   * deliveries are in the database and the next sweep queues them.
   */
  async afterApply(blocks: { header: { height: number } }[]): Promise<void> {
    try {
      await this.enqueueForHeights(blocks.map((b) => b.header.height));
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'could not queue webhook deliveries; the sweep will');
    }
  }

  /**
   * After deliveries were written outside a block (settlement events): queues them. As for blocks, a
   * failure loses nothing; the sweep finds them pending.
   */
  async afterRecord(ids: string[]): Promise<void> {
    try {
      await this.enqueue(ids);
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'could not queue webhook deliveries; the sweep will');
    }
  }

  /** Queues the pending deliveries of blocks just applied. */
  async enqueueForHeights(heights: number[]): Promise<void> {
    if (heights.length === 0) return;
    await this.enqueue(await this.repository.pendingIds(SWEEP_BATCH, heights));
  }

  /** Queues every delivery still pending (those already queued are left as they are). */
  async sweep(): Promise<void> {
    await this.enqueue(await this.repository.pendingIds(SWEEP_BATCH));
  }

  private async enqueue(ids: string[]): Promise<void> {
    if (ids.length === 0 || !this.queue) return;
    await this.queue.addBulk(deliveryJobs(ids, this.settings));
  }

  /** One attempt of one delivery (BullMQ calls it again after a failure, until the attempts run out). */
  async process(job: Pick<Job<{ deliveryId: string }>, 'data' | 'attemptsMade' | 'opts'>): Promise<string> {
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    const found = await this.repository.loadForSend(job.data.deliveryId);
    if (!found || found.delivery.status !== 'pending') return 'skipped';
    const count = (result: 'delivered' | 'retried' | 'dead' | 'cancelled') =>
      this.metrics?.webhookDeliveries.inc({
        event: KNOWN_EVENTS.has(found.delivery.event) ? found.delivery.event : 'other',
        result,
      });
    if (found.webhook.deletedAt) {
      await this.repository.markCancelled(found.delivery.id);
      count('cancelled');
      return 'cancelled';
    }
    const result = await this.post(found.webhook, found.delivery, attempt);
    const ok = result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300;
    const status = ok ? 'delivered' : attempt >= maxAttempts ? 'dead' : 'pending';
    await this.repository.recordAttempt(found.delivery, { attempt, ...result }, status);
    const fields = { delivery: found.delivery.id, webhook: found.webhook.id, attempt, ...result };
    count(ok ? 'delivered' : status === 'dead' ? 'dead' : 'retried');
    if (ok) {
      this.log.debug(fields, 'webhook delivered');
      return 'delivered';
    }
    if (status === 'dead') this.log.warn(fields, 'webhook delivery dead after its last attempt');
    else this.log.info(fields, 'webhook attempt failed; will retry');
    throw new Error(result.error ?? `receiver answered ${result.statusCode}`);
  }

  /** POSTs the stored payload (or its ISO 20022 form), signed now (libs/webhooks); redirects are not followed (they count as failures). */
  post(webhook: WebhookRow, delivery: DeliveryRow, attempt: number): Promise<AttemptResult> {
    // JSON as stored, or the ISO 20022 message of a transfer event for an iso20022 subscription.
    const { payload, contentType } = webhookBody(webhook.format, delivery);
    return postSignedWebhook(
      {
        url: webhook.url,
        secret: webhook.secret,
        payload,
        contentType,
        eventId: delivery.eventId,
        eventType: delivery.event,
        deliveryId: delivery.id,
        attempt,
        timeoutMs: this.settings.timeoutMs,
        allowPrivateUrls: this.settings.allowPrivateUrls,
      },
      this.send,
    );
  }
}
