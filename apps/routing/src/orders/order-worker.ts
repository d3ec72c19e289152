import type { ReroutePolicy, RouteRequest } from '@concord/contracts';
import { formatAmount } from '@concord/money';
import type { Logger } from '@concord/observability';
import { RoutingFailure } from '../http/routing.errors';
import type { RoutesService } from '../routes/routes.service';
import { drawOf } from '../routes/routes.service';
import type { GatewayTransfers } from './gateway-transfers';
import { afterFailure, withinPolicy } from './order.state';
import type { AttemptRow, OrdersRepository, OrderWithHistory } from './orders.repository';
import { attemptOf } from './orders.service';

/** A submitted transfer with no outcome after this long is sent again (the same bytes: idempotent). */
export const RESEND_AFTER_MS = 10_000;
/** An abort with no outcome after this long is sent again. */
export const ABORT_AGAIN_AFTER_MS = 5_000;

/**
 * Drives orders from routing's own tables, so that a restart loses nothing: it sends prepared transfers,
 * aborts those whose partner is past its promised time, sends again what got no answer, and reroutes
 * orders whose attempt ended without a payout. A next attempt is made only after the ledger finalized the
 * previous one as aborted, expired or rejected: at most one transfer of an order is ever live, so an order
 * is paid out at most once.
 */
export class OrderWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly repository: OrdersRepository,
    private readonly gateway: GatewayTransfers,
    private readonly routes: RoutesService,
    private readonly settings: { intervalMs: number; graceMs: number },
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.settings.intervalMs);
    this.kick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Runs a pass now, or right after the one running. */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((error: unknown) => this.log.error({ err: error }, 'order worker pass failed'))
      .finally(() => {
        this.running = null;
        if (this.again && this.timer) {
          this.again = false;
          this.kick();
        }
      });
  }

  async pass(nowMs = Date.now()): Promise<void> {
    const prepared = await this.repository.attemptsIn(['prepared']);
    await Promise.all(prepared.map((a) => this.send(a)));
    const live = await this.repository.attemptsIn(['submitted', 'reserved']);
    await Promise.all(live.map((a) => this.watch(a, nowMs)));
    for (const order of await this.repository.ordersIn('rerouted')) await this.reroute(order);
  }

  private appOf(a: AttemptRow): string {
    return (JSON.parse(a.transferBody) as { payer: string }).payer;
  }

  private async send(a: AttemptRow): Promise<void> {
    const answer = await this.gateway.submit(this.appOf(a), a.transferId, a.transferBody);
    if (answer.kind === 'retry') return;
    if (answer.kind === 'accepted') {
      await this.repository.moveAttempt(a, ['prepared'], 'submitted', null);
      return;
    }
    // Refused before the ledger saw it: nothing was reserved, the next partner may take the order.
    await this.repository.prisma.$transaction(async (tx) => {
      const moved = await this.repository.moveAttempt(
        a,
        ['prepared'],
        'rejected',
        `${answer.code}: ${answer.detail}`,
        tx,
      );
      if (moved)
        await this.repository.setOrder(a.orderId, 'rerouted', `attempt ${a.n} refused: ${answer.code}`, tx);
    });
  }

  private async watch(a: AttemptRow, nowMs: number): Promise<void> {
    if (a.deadlineAt.getTime() <= nowMs) {
      if (a.abortSentAt && nowMs - a.abortSentAt.getTime() < ABORT_AGAIN_AFTER_MS) return;
      // The ledger decides between this abort and a late fulfil: whichever it orders first wins.
      const answer = await this.gateway.abort(this.appOf(a), a.transferId);
      if (answer.kind !== 'retry') await this.repository.markAbortSent(a);
      return;
    }
    if (a.state === 'submitted' && nowMs - a.updatedAt.getTime() > RESEND_AFTER_MS) {
      const answer = await this.gateway.submit(this.appOf(a), a.transferId, a.transferBody);
      if (answer.kind !== 'retry') await this.repository.touch(a);
    }
  }

  /** The next partner, priced now for the recipient's amount, within the app's policy; or the order ends. */
  async reroute(order: OrderWithHistory): Promise<void> {
    const policy = order.policy as Required<ReroutePolicy>;
    const tried = order.attempts.map((a) => a.partnerId);
    const everReserved = order.attempts.some((a) => a.state === 'aborted' || a.state === 'expired');
    const end = (reason: string) => this.repository.endOrder(order.id, afterFailure(everReserved), reason);
    if (order.attempts.length >= policy.maxAttempts)
      return end(`no payout after ${order.attempts.length} partners`);
    let next;
    try {
      [next] = await this.routes.plan(order.appId, order.request as RouteRequest, {
        exclude: tried,
        limit: 1,
        recipientMinor: order.recipientMinor,
        draw: drawOf(order.id),
      });
    } catch (e) {
      if (e instanceof RoutingFailure && e.error.kind !== 'FX_UNAVAILABLE')
        return end(`no other partner: ${e.message}`);
      throw e;
    }
    const cost = BigInt(next.totalCostMinor);
    if (!withinPolicy(order.shownCostMinor, cost, order.valueMinor, policy.absorbUpToBps)) {
      const extra = formatAmount(cost - order.shownCostMinor, order.sendCurrency);
      return end(
        `the next partner costs ${extra} ${order.sendCurrency} more than shown, above the app's bound`,
      );
    }
    const attempt = attemptOf(order.id, order.attempts.length + 1, order.appId, next, this.settings.graceMs);
    if (await this.repository.addAttempt(order.id, attempt))
      await this.send({ ...attempt, orderId: order.id } as AttemptRow);
  }
}
