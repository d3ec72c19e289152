import type { Order, OrderAttempt, OrderEvent, Prisma, PrismaClient } from '.prisma/routing-client';
import type { AttemptState, OrderListQuery, OrderState } from '@concord/contracts';

export type OrderRow = Order;
export type AttemptRow = OrderAttempt;
export type OrderWithHistory = Order & { attempts: OrderAttempt[]; events: OrderEvent[] };
type Tx = Prisma.TransactionClient;

export interface NewAttempt {
  n: number;
  partnerId: string;
  offerId: string;
  offerVersion: number;
  transferId: string;
  transferBody: string;
  quoteId: string | null;
  payoutMinor: bigint;
  recipientMinor: bigint;
  costMinor: bigint;
  deadlineAt: Date;
}

export interface NewOrder {
  id: string;
  appId: string;
  idempotencyKey: string;
  requestHash: string;
  request: unknown;
  sender: unknown;
  recipient: unknown;
  policy: unknown;
  sendCurrency: string;
  destCurrency: string;
  recipientMinor: bigint;
  shownCostMinor: bigint;
  valueMinor: bigint;
}

const json = (v: unknown) => v as Prisma.InputJsonValue;
const withHistory = { attempts: { orderBy: { n: 'asc' } }, events: { orderBy: { id: 'asc' } } } as const;

/** Orders, their attempts and history. Every state change writes its event in the same transaction. */
export class OrdersRepository {
  constructor(readonly prisma: PrismaClient) {}

  /** Creates the order routed to its first attempt; null when the app's key is taken (read it instead). */
  async create(order: NewOrder, first: NewAttempt): Promise<OrderWithHistory | null> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        await tx.order.create({
          data: {
            ...order,
            state: 'routed',
            request: json(order.request),
            sender: json(order.sender),
            recipient: json(order.recipient),
            policy: json(order.policy),
          },
        });
        await tx.orderAttempt.create({ data: { ...first, orderId: order.id, state: 'prepared' } });
        await tx.orderEvent.createMany({
          data: [
            { orderId: order.id, state: 'created' },
            { orderId: order.id, state: 'routed', detail: `attempt 1 to ${first.partnerId}` },
          ],
        });
        return tx.order.findUniqueOrThrow({ where: { id: order.id }, include: withHistory });
      });
    } catch (e) {
      if ((e as { code?: string }).code === 'P2002') return null;
      throw e;
    }
  }

  async quoteTaken(quoteId: string): Promise<boolean> {
    return (await this.prisma.orderAttempt.count({ where: { quoteId } })) > 0;
  }

  byKey(appId: string, idempotencyKey: string): Promise<OrderWithHistory | null> {
    return this.prisma.order.findUnique({
      where: { appId_idempotencyKey: { appId, idempotencyKey } },
      include: withHistory,
    });
  }

  get(id: string): Promise<OrderWithHistory | null> {
    return this.prisma.order.findUnique({ where: { id }, include: withHistory });
  }

  list(appId: string, q: OrderListQuery, after?: { createdAt: Date; id: string }) {
    return this.prisma.order.findMany({
      where: {
        appId,
        ...(q.state ? { state: q.state } : {}),
        ...(q.partner ? { attempts: { some: { partnerId: q.partner } } } : {}),
        createdAt: { ...(q.from ? { gte: new Date(q.from) } : {}), ...(q.to ? { lt: new Date(q.to) } : {}) },
        ...(after
          ? {
              OR: [
                { createdAt: { lt: after.createdAt } },
                { createdAt: after.createdAt, id: { lt: after.id } },
              ],
            }
          : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: q.limit,
      include: withHistory,
    });
  }

  attemptsIn(states: AttemptState[], limit = 200): Promise<AttemptRow[]> {
    return this.prisma.orderAttempt.findMany({ where: { state: { in: states } }, take: limit });
  }

  ordersIn(state: OrderState, limit = 100): Promise<OrderWithHistory[]> {
    return this.prisma.order.findMany({ where: { state }, take: limit, include: withHistory });
  }

  /** Moves an attempt on, if it is still in `from` (a second worker or a replayed block changes nothing). */
  async moveAttempt(
    attempt: Pick<AttemptRow, 'orderId' | 'n'>,
    from: AttemptState[],
    to: AttemptState,
    reason: string | null,
    tx: Tx = this.prisma,
  ): Promise<boolean> {
    const { count } = await tx.orderAttempt.updateMany({
      where: { orderId: attempt.orderId, n: attempt.n, state: { in: from } },
      data: { state: to, reason },
    });
    return count === 1;
  }

  async setOrder(
    orderId: string,
    state: OrderState,
    detail: string | null,
    tx: Tx = this.prisma,
  ): Promise<void> {
    await tx.order.update({
      where: { id: orderId },
      data: { state, ...(state === 'failed' || state === 'refunded' ? { reason: detail } : {}) },
    });
    await tx.orderEvent.create({ data: { orderId, state, detail } });
  }

  async markAbortSent(attempt: Pick<AttemptRow, 'orderId' | 'n'>): Promise<void> {
    await this.prisma.orderAttempt.update({
      where: { orderId_n: { orderId: attempt.orderId, n: attempt.n } },
      data: { abortSentAt: new Date() },
    });
  }

  /** Touches a submitted attempt so that its resend waits another interval. */
  async touch(attempt: Pick<AttemptRow, 'orderId' | 'n'>): Promise<void> {
    await this.prisma.orderAttempt.update({
      where: { orderId_n: { orderId: attempt.orderId, n: attempt.n } },
      data: { updatedAt: new Date() },
    });
  }

  /** Routes a rerouted order to its next attempt, if it is still rerouted. */
  async addAttempt(orderId: string, attempt: NewAttempt): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.order.updateMany({
        where: { id: orderId, state: 'rerouted' },
        data: { state: 'routed' },
      });
      if (count === 0) return false;
      await tx.orderAttempt.create({ data: { ...attempt, orderId, state: 'prepared' } });
      await tx.orderEvent.create({
        data: { orderId, state: 'routed', detail: `attempt ${attempt.n} to ${attempt.partnerId}` },
      });
      return true;
    });
  }

  /** Ends a rerouted order that no partner takes, if it is still rerouted. */
  async endOrder(orderId: string, state: 'failed' | 'refunded', reason: string): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const { count } = await tx.order.updateMany({
        where: { id: orderId, state: 'rerouted' },
        data: { state, reason },
      });
      if (count === 1) await tx.orderEvent.create({ data: { orderId, state, detail: reason } });
    });
  }

  /** Live attempts per partner: how many, and their payouts per destination currency. */
  async inFlight(): Promise<{ partnerId: string; currency: string; count: number; payoutMinor: bigint }[]> {
    return this.prisma.$queryRaw`
      select a.partner_id as "partnerId", o.dest_currency as currency, count(*)::int as count,
             sum(a.payout_minor)::bigint as "payoutMinor"
      from routing.order_attempts a join routing.orders o on o.id = a.order_id
      where a.state in ('prepared', 'submitted', 'reserved')
      group by a.partner_id, o.dest_currency`;
  }
}
