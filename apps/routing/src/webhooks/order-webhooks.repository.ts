import type { OrderWebhook, OrderWebhookDelivery, PrismaClient } from '.prisma/routing-client';
import type { DeliveryAttemptView } from '@concord/contracts';
import type { OrderWithHistory } from '../orders/orders.repository';

export type WebhookRow = OrderWebhook;
export type DeliveryRow = OrderWebhookDelivery;
export type DeliveryStatus = 'pending' | 'delivered' | 'dead' | 'cancelled';

/** An order event to fan out: the event row and its order (with history, for the payload). */
export interface EventToDispatch {
  id: bigint;
  state: string;
  detail: string | null;
  at: Date;
  order: OrderWithHistory;
}

/** One delivery to write: which subscription, which event, and the body exactly as it will be signed. */
export interface NewDelivery {
  id: string;
  webhookId: string;
  eventId: bigint;
  event: string;
  orderId: string;
  payload: string;
}

const withHistory = { attempts: { orderBy: { n: 'asc' } }, events: { orderBy: { id: 'asc' } } } as const;

/**
 * Order webhooks and their deliveries. Every order event is written with its state change
 * (orders.repository.ts) and marked `dispatched` once its deliveries exist: a transactional outbox, so an
 * event is neither lost nor fanned out twice across a crash.
 */
export class OrderWebhooksRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create(row: { id: string; appId: string; url: string; events: string[]; secret: string }) {
    return this.prisma.orderWebhook.create({ data: row });
  }

  list(appId: string) {
    return this.prisma.orderWebhook.findMany({
      where: { appId, deletedAt: null },
      orderBy: { createdAt: 'asc' },
    });
  }

  /** Soft delete: pending deliveries are cancelled at their next attempt. False when there was none. */
  async delete(appId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.orderWebhook.updateMany({
      where: { id, appId, deletedAt: null },
      data: { deletedAt: new Date() },
    });
    return count === 1;
  }

  find(appId: string, id: string) {
    return this.prisma.orderWebhook.findFirst({ where: { id, appId, deletedAt: null } });
  }

  deliveries(webhookId: string, status: DeliveryStatus | undefined, limit: number) {
    return this.prisma.orderWebhookDelivery.findMany({
      where: { webhookId, ...(status ? { status } : {}) },
      // Deliveries made in one dispatch share their time: the event's id keeps them in the order of the events.
      orderBy: [{ createdAt: 'desc' }, { eventId: 'desc' }, { id: 'desc' }],
      take: limit,
    });
  }

  /**
   * Fans out up to `limit` undispatched events in one transaction: `plan` turns them (and the apps'
   * subscriptions) into deliveries, which are written with the events marked dispatched. Events are locked
   * with SKIP LOCKED, so two dispatchers never take the same one. Returns the new delivery ids.
   */
  async dispatch(
    limit: number,
    plan: (events: EventToDispatch[], webhooks: WebhookRow[]) => NewDelivery[],
  ): Promise<string[]> {
    return this.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<
        { id: bigint; order_id: string; state: string; detail: string | null; at: Date }[]
      >`
        SELECT id, order_id, state, detail, at FROM routing.order_events
        WHERE dispatched = false ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
      if (rows.length === 0) return [];
      const orders = await tx.order.findMany({
        where: { id: { in: [...new Set(rows.map((r) => r.order_id))] } },
        include: withHistory,
      });
      const byId = new Map(orders.map((o) => [o.id, o]));
      const webhooks = await tx.orderWebhook.findMany({
        where: { appId: { in: [...new Set(orders.map((o) => o.appId))] }, deletedAt: null },
      });
      const events = rows.map((r) => ({ ...r, order: byId.get(r.order_id)! }));
      const deliveries = plan(events, webhooks);
      if (deliveries.length > 0) {
        await tx.orderWebhookDelivery.createMany({
          data: deliveries.map((d) => ({ ...d, status: 'pending' })),
          skipDuplicates: true,
        });
      }
      await tx.orderEvent.updateMany({
        where: { id: { in: rows.map((r) => r.id) } },
        data: { dispatched: true },
      });
      return deliveries.map((d) => d.id);
    });
  }

  async pendingIds(limit: number): Promise<string[]> {
    const rows = await this.prisma.orderWebhookDelivery.findMany({
      where: { status: 'pending' },
      select: { id: true },
      orderBy: { createdAt: 'asc' },
      take: limit,
    });
    return rows.map((r) => r.id);
  }

  loadForSend(id: string) {
    return this.prisma.orderWebhookDelivery.findUnique({ where: { id }, include: { webhook: true } });
  }

  /** Logs an attempt and sets the status; only a pending delivery changes (a late duplicate job does not). */
  async recordAttempt(id: string, attempt: DeliveryAttemptView, status: DeliveryStatus): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE routing.order_webhook_deliveries
      SET attempts = attempts + 1, log = log || ${JSON.stringify([attempt])}::jsonb, status = ${status},
          delivered_at = ${status === 'delivered' ? new Date() : null}, updated_at = now()
      WHERE id = ${id} AND status = 'pending'`;
  }

  async markCancelled(id: string): Promise<void> {
    await this.prisma.orderWebhookDelivery.updateMany({
      where: { id, status: 'pending' },
      data: { status: 'cancelled' },
    });
  }
}
