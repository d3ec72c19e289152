import { randomBytes } from 'node:crypto';
import { Job, Queue, Worker } from 'bullmq';
import { bullConnection } from '@concord/config';
import {
  CreatedOrderWebhookView,
  CreateOrderWebhook,
  ORDER_EVENTS,
  OrderEventType,
  OrderWebhookDeliveryView,
  OrderWebhookEvent,
  OrderWebhookView,
  OrderState,
} from '@concord/contracts';
import type { Logger } from '@concord/observability';
import { deliveryJobs, postSignedWebhook, refusedWebhookHost } from '@concord/webhooks';
import { refuse } from '../http/routing.errors';
import { orderView } from '../orders/orders.service';
import {
  DeliveryStatus,
  EventToDispatch,
  NewDelivery,
  OrderWebhooksRepository,
  WebhookRow,
} from './order-webhooks.repository';

export const ORDER_WEBHOOK_QUEUE = 'routing-order-webhooks';

export interface OrderWebhookSettings {
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
  allowPrivateUrls: boolean;
  /** Deliveries sent at once. */
  concurrency?: number;
  /** How often undispatched order events are looked for. */
  dispatchIntervalMs?: number;
}

/** Events fanned out per transaction; deliveries still pending are queued again this often (a lost job). */
const DISPATCH_BATCH = 200;
const SWEEP_INTERVAL_MS = 30_000;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function webhookView(w: WebhookRow): OrderWebhookView {
  return {
    id: w.id,
    url: w.url,
    events: (w.events.length ? w.events : ORDER_EVENTS) as OrderEventType[],
    createdAt: w.createdAt.toISOString(),
  };
}

/** The deliveries of a batch of events: one per event and subscription of its app that wants it. */
export function planDeliveries(events: EventToDispatch[], webhooks: WebhookRow[]): NewDelivery[] {
  const out: NewDelivery[] = [];
  for (const e of events) {
    const type = `order.${e.state}` as OrderEventType;
    const body: OrderWebhookEvent = {
      id: `oevt_${e.id}`,
      type,
      createdAt: e.at.toISOString(),
      orderId: e.order.id,
      state: e.state as OrderState,
      detail: e.detail,
      order: orderView(e.order),
    };
    const payload = JSON.stringify(body);
    for (const w of webhooks) {
      if (w.appId !== e.order.appId || (w.events.length > 0 && !w.events.includes(type))) continue;
      out.push({
        id: `odlv_${hex(16)}`,
        webhookId: w.id,
        eventId: e.id,
        event: type,
        orderId: e.order.id,
        payload,
      });
    }
  }
  return out;
}

/**
 * Apps' subscriptions to their order events, and their delivery: each order event (written with its state
 * change) is fanned out to the app's subscriptions by a dispatcher (a transactional outbox), then sent by a
 * BullMQ worker, signed as the gateway's transfer webhooks are (libs/webhooks: `Concord-Signature`, HMAC-
 * SHA256 of `t.body`), retried with exponential backoff, and left `dead` (a dead letter, listed with
 * `?status=dead`) after its last attempt. The job id is the delivery id and the row is checked before each
 * attempt, so a delivery is sent once even when queued twice.
 */
export class OrderWebhooks {
  private queue: Queue | null = null;
  private worker: Worker | null = null;
  private timers: NodeJS.Timeout[] = [];
  private dispatching: Promise<void> | null = null;

  constructor(
    private readonly repository: OrderWebhooksRepository,
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly settings: OrderWebhookSettings,
    private readonly log: Logger,
  ) {}

  async create(appId: string, body: CreateOrderWebhook): Promise<CreatedOrderWebhookView> {
    const refused = this.settings.allowPrivateUrls ? undefined : refusedWebhookHost(body.url);
    if (refused) refuse({ kind: 'INVALID_BODY', errors: [{ field: 'url', message: refused }] });
    const row = await this.repository.create({
      id: `owh_${hex(16)}`,
      appId,
      url: body.url,
      events: body.events ?? [],
      secret: `whsec_${randomBytes(32).toString('base64url')}`,
    });
    return { ...webhookView(row), secret: row.secret };
  }

  async list(appId: string): Promise<{ webhooks: OrderWebhookView[] }> {
    return { webhooks: (await this.repository.list(appId)).map(webhookView) };
  }

  async delete(appId: string, id: string): Promise<void> {
    if (!(await this.repository.delete(appId, id))) refuse({ kind: 'WEBHOOK_NOT_FOUND', webhookId: id });
  }

  async deliveries(
    appId: string,
    id: string,
    q: { status?: DeliveryStatus; limit: number },
  ): Promise<{ deliveries: OrderWebhookDeliveryView[] }> {
    if (!(await this.repository.find(appId, id))) refuse({ kind: 'WEBHOOK_NOT_FOUND', webhookId: id });
    const rows = await this.repository.deliveries(id, q.status, q.limit);
    return {
      deliveries: rows.map((d) => ({
        id: d.id,
        eventId: `oevt_${d.eventId}`,
        event: d.event as OrderEventType,
        orderId: d.orderId,
        status: d.status as DeliveryStatus,
        attempts: d.attempts,
        log: d.log as OrderWebhookDeliveryView['log'],
        createdAt: d.createdAt.toISOString(),
        deliveredAt: d.deliveredAt?.toISOString() ?? null,
      })),
    };
  }

  async start(): Promise<void> {
    const connection = bullConnection(this.redisUrl);
    const prefix = this.prefix ? `bull:${this.prefix}` : 'bull';
    this.queue = new Queue(ORDER_WEBHOOK_QUEUE, { connection, prefix });
    this.worker = new Worker(ORDER_WEBHOOK_QUEUE, (job: Job<{ deliveryId: string }>) => this.process(job), {
      connection,
      prefix,
      concurrency: this.settings.concurrency ?? 8,
    });
    this.worker.on('error', (error) => this.log.error({ err: error.message }, 'order webhook worker error'));
    await this.enqueue(await this.repository.pendingIds(5000));
    const every = (ms: number, what: string, fn: () => Promise<unknown>) => {
      const t = setInterval(
        () => void fn().catch((err: Error) => this.log.warn({ err: err.message }, what)),
        ms,
      );
      t.unref();
      this.timers.push(t);
    };
    every(this.settings.dispatchIntervalMs ?? 250, 'order webhook dispatch failed', () => this.dispatch());
    every(SWEEP_INTERVAL_MS, 'order webhook sweep failed', async () =>
      this.enqueue(await this.repository.pendingIds(5000)),
    );
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.dispatching;
    await this.worker?.close();
    await this.queue?.close();
  }

  /** Fans out the events written since the last call and queues their deliveries (one run at a time). */
  dispatch(): Promise<void> {
    this.dispatching ??= (async () => {
      try {
        for (;;) {
          const ids = await this.repository.dispatch(DISPATCH_BATCH, planDeliveries);
          await this.enqueue(ids);
          if (ids.length < DISPATCH_BATCH) break;
        }
      } finally {
        this.dispatching = null;
      }
    })();
    return this.dispatching;
  }

  private async enqueue(ids: string[]): Promise<void> {
    if (ids.length === 0 || !this.queue) return;
    await this.queue.addBulk(deliveryJobs(ids, this.settings));
  }

  /** One attempt of one delivery; a failure throws, so that BullMQ tries again after its backoff. */
  async process(job: Pick<Job<{ deliveryId: string }>, 'data' | 'attemptsMade' | 'opts'>): Promise<string> {
    const attempt = job.attemptsMade + 1;
    const found = await this.repository.loadForSend(job.data.deliveryId);
    if (!found || found.status !== 'pending') return 'skipped';
    if (found.webhook.deletedAt) {
      await this.repository.markCancelled(found.id);
      return 'cancelled';
    }
    const result = await postSignedWebhook({
      url: found.webhook.url,
      secret: found.webhook.secret,
      payload: found.payload,
      eventId: `oevt_${found.eventId}`,
      eventType: found.event,
      deliveryId: found.id,
      attempt,
      timeoutMs: this.settings.timeoutMs,
      allowPrivateUrls: this.settings.allowPrivateUrls,
    });
    const ok = result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300;
    const status = ok ? 'delivered' : attempt >= (job.opts.attempts ?? 1) ? 'dead' : 'pending';
    const { at, ...rest } = result;
    await this.repository.recordAttempt(found.id, { attempt, ...rest, at: at.toISOString() }, status);
    if (ok) return 'delivered';
    const fields = { delivery: found.id, webhook: found.webhookId, attempt, ...rest };
    if (status === 'dead') this.log.warn(fields, 'order webhook delivery dead after its last attempt');
    throw new Error(result.error ?? `receiver answered ${result.statusCode}`);
  }
}
