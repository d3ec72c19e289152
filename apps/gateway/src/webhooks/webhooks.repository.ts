import { ServicesPrismaClient, Sql } from '@concord/db';
import type { FinalizedBlock } from '@concord/contracts';
import { rowsByKey, transferRows } from '../transfers/transfers.repository';
import { deliveriesForBlock, NewDelivery, Subscription } from './webhook-events';

export type WebhookRow = NonNullable<
  Awaited<ReturnType<ServicesPrismaClient['gatewayWebhook']['findUnique']>>
>;
export type DeliveryRow = NonNullable<
  Awaited<ReturnType<ServicesPrismaClient['gatewayWebhookDelivery']['findUnique']>>
>;
export type AttemptRow = NonNullable<
  Awaited<ReturnType<ServicesPrismaClient['gatewayWebhookAttempt']['findUnique']>>
>;

/** All I/O of the webhook subscriptions, their deliveries and the log of every attempt. */
export class WebhooksRepository {
  constructor(private readonly prisma: ServicesPrismaClient) {}

  /**
   * Creates the subscription unless the participant has `max` active ones already (null then). The
   * count and the insert run under a transaction-scoped advisory lock per participant, so that
   * concurrent creations cannot both see room for one more.
   */
  async createWithinCap(
    row: { id: string; participantId: string; url: string; events: string[]; secret: string; format: string },
    max: number,
  ): Promise<WebhookRow | null> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$queryRawUnsafe(
        `select 1 from pg_advisory_xact_lock(hashtext('gateway.webhooks:' || $1))`,
        row.participantId,
      );
      const active = await tx.gatewayWebhook.count({
        where: { participantId: row.participantId, deletedAt: null },
      });
      return active >= max ? null : tx.gatewayWebhook.create({ data: row });
    });
  }

  listActive(participantId: string): Promise<WebhookRow[]> {
    return this.prisma.gatewayWebhook.findMany({
      where: { participantId, deletedAt: null },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
  }

  /** One of the participant's subscriptions, deleted or not. */
  findOwn(participantId: string, id: string): Promise<WebhookRow | null> {
    return this.prisma.gatewayWebhook.findFirst({ where: { id, participantId } });
  }

  /** Marks the subscription deleted (its delivery log stays) and cancels what it still had to send. */
  async softDelete(participantId: string, id: string): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.gatewayWebhook.updateMany({
        where: { id, participantId, deletedAt: null },
        data: { deletedAt: new Date() },
      });
      if (count === 1) {
        await tx.gatewayWebhookDelivery.updateMany({
          where: { webhookId: id, status: 'pending' },
          data: { status: 'cancelled', updatedAt: new Date() },
        });
      }
      return count === 1;
    });
  }

  /** The newest deliveries of a subscription, each with every attempt in order. */
  async deliveries(
    webhookId: string,
    limit: number,
    status?: string,
  ): Promise<{ delivery: DeliveryRow; attempts: AttemptRow[] }[]> {
    const deliveries = await this.prisma.gatewayWebhookDelivery.findMany({
      where: { webhookId, ...(status ? { status } : {}) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit,
    });
    const attempts = await this.prisma.gatewayWebhookAttempt.findMany({
      where: { deliveryId: { in: deliveries.map((d) => d.id) } },
      orderBy: [{ attempt: 'asc' }, { id: 'asc' }],
    });
    return deliveries.map((delivery) => ({
      delivery,
      attempts: attempts.filter((a) => a.deliveryId === delivery.id),
    }));
  }

  /**
   * Writes the deliveries a block causes, in the transaction that applies the block (an outbox: they are
   * sent after it committed, and found again after a crash). Existing ids are kept as they are.
   */
  async recordBlock(tx: Sql, block: FinalizedBlock): Promise<number> {
    if (block.outcomes.length === 0) return 0;
    const parties = new Set<string>();
    for (const o of block.outcomes) {
      parties.add(o.payer);
      parties.add(o.payee);
    }
    // Plain SQL: this runs for every finalized block, and a Prisma model query costs milliseconds of CPU.
    const subscriptions = (
      await tx.query<{ id: string; participant_id: string; events: string[] }>(
        `select id, participant_id, events from gateway.webhooks
         where deleted_at is null and participant_id = any($1::text[])`,
        [[...parties]],
      )
    ).map((r) => ({ id: r.id, participantId: r.participant_id, events: r.events }));
    if (subscriptions.length === 0) return 0;
    const subscribed = new Set(subscriptions.map((s) => s.participantId));
    const refs = block.outcomes
      .filter((o) => subscribed.has(o.payer) || subscribed.has(o.payee))
      .map((o) => ({ payer: o.payer, id: o.transferId }));
    const rows = await transferRows(tx, refs);
    const deliveries = deliveriesForBlock(block, subscriptions, rowsByKey(rows));
    if (deliveries.length === 0) return 0;
    return tx.execute(
      `insert into gateway.webhook_deliveries (id, webhook_id, participant_id, event_id, event, transfer_id,
         block_height, payload, status)
       select *, 'pending' from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
         $7::int[], $8::text[])
       on conflict (id) do nothing`,
      [
        deliveries.map((d) => d.id),
        deliveries.map((d) => d.webhookId),
        deliveries.map((d) => d.participantId),
        deliveries.map((d) => d.eventId),
        deliveries.map((d) => d.event),
        deliveries.map((d) => d.transferId),
        deliveries.map((d) => d.blockHeight),
        deliveries.map((d) => d.payload),
      ],
    );
  }

  /** The active subscriptions of some participants (the events each asked for). */
  subscriptionsOf(participantIds: readonly string[]): Promise<Subscription[]> {
    if (participantIds.length === 0) return Promise.resolve([]);
    return this.prisma.gatewayWebhook.findMany({
      where: { deletedAt: null, participantId: { in: [...new Set(participantIds)] } },
      select: { id: true, participantId: true, events: true },
    });
  }

  /**
   * Writes deliveries that are not written yet (an existing id is kept as it is) in one statement; returns
   * the ids it wrote, which are the ones to queue.
   */
  async insertDeliveries(deliveries: readonly NewDelivery[]): Promise<string[]> {
    if (deliveries.length === 0) return [];
    const rows = await this.prisma.gatewayWebhookDelivery.createManyAndReturn({
      data: deliveries.map((d) => ({ ...d, status: 'pending' })),
      skipDuplicates: true,
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }

  /** Ids of deliveries still to send, oldest first; only those of some heights when given. */
  async pendingIds(limit: number, heights?: number[]): Promise<string[]> {
    const rows = await this.prisma.gatewayWebhookDelivery.findMany({
      where: { status: 'pending', ...(heights ? { blockHeight: { in: heights } } : {}) },
      select: { id: true },
      orderBy: [{ blockHeight: 'asc' }, { id: 'asc' }],
      take: limit,
    });
    return rows.map((r) => r.id);
  }

  async loadForSend(id: string): Promise<{ delivery: DeliveryRow; webhook: WebhookRow } | null> {
    const delivery = await this.prisma.gatewayWebhookDelivery.findUnique({ where: { id } });
    if (!delivery) return null;
    const webhook = await this.prisma.gatewayWebhook.findUnique({ where: { id: delivery.webhookId } });
    return webhook ? { delivery, webhook } : null;
  }

  /** Logs one attempt and moves the delivery to its new status in one transaction. */
  async recordAttempt(
    delivery: DeliveryRow,
    attempt: {
      attempt: number;
      statusCode?: number;
      error?: string;
      durationMs: number;
      at: Date;
    },
    status: 'pending' | 'delivered' | 'dead',
  ): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.gatewayWebhookAttempt.create({
        data: {
          deliveryId: delivery.id,
          webhookId: delivery.webhookId,
          event: delivery.event,
          attempt: attempt.attempt,
          statusCode: attempt.statusCode ?? null,
          error: attempt.error ?? null,
          durationMs: attempt.durationMs,
          at: attempt.at,
        },
      }),
      this.prisma.gatewayWebhookDelivery.updateMany({
        where: { id: delivery.id, status: 'pending' },
        data: {
          status,
          attempts: attempt.attempt,
          updatedAt: new Date(),
          ...(status === 'delivered' ? { deliveredAt: attempt.at } : {}),
        },
      }),
    ]);
  }

  async markCancelled(id: string): Promise<void> {
    await this.prisma.gatewayWebhookDelivery.updateMany({
      where: { id, status: 'pending' },
      data: { status: 'cancelled', updatedAt: new Date() },
    });
  }
}
