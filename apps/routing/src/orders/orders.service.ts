import { randomBytes } from 'node:crypto';
import type {
  OrderListQuery,
  OrderRequest,
  OrderView,
  ReroutePolicy,
  RouteRequest,
} from '@concord/contracts';
import { canonicalJson, sha256Hex } from '@concord/crypto';
import { formatAmount } from '@concord/money';
import type { Directory } from '../participants/directory';
import { refuse } from '../http/routing.errors';
import type { StoredOption, RouteOptionsRepository } from '../routes/route-options.repository';
import { drawOf, RoutesService } from '../routes/routes.service';
import type { NewAttempt, OrdersRepository, OrderWithHistory } from './orders.repository';

export interface OrderSettings {
  /** Past the promised delivery, before routing aborts. */
  graceMs: number;
  maxAttempts: number;
  absorbBps: number;
}

/** The ledger's own expiry of an order transfer comes this long after routing's abort, as a backstop. */
const LEDGER_EXPIRY_MARGIN_MS = 10_000;

/** The attempt of an option: a two-phase transfer from the app to the partner, with the option's quote. */
export function attemptOf(
  orderId: string,
  n: number,
  appId: string,
  o: StoredOption,
  graceMs: number,
): NewAttempt {
  const transferId = `${orderId}.${n}`;
  const view = o.view;
  const amount = view.quote
    ? view.quote.sendAmount
    : formatAmount(BigInt(o.payoutMinor), view.destinationCurrency);
  const body = JSON.stringify({
    id: transferId,
    payer: appId,
    payee: view.partner,
    amount,
    currency: view.sendCurrency,
    twoPhase: true,
    expiresInMs: o.promisedMs + graceMs + LEDGER_EXPIRY_MARGIN_MS,
    ...(view.quote ? { quote: view.quote } : {}),
  });
  return {
    n,
    partnerId: view.partner,
    offerId: view.offerId,
    offerVersion: view.offerVersion,
    transferId,
    transferBody: body,
    quoteId: view.quote?.id ?? null,
    payoutMinor: BigInt(o.payoutMinor),
    recipientMinor: BigInt(o.recipientMinor),
    costMinor: BigInt(o.totalCostMinor),
    deadlineAt: new Date(Date.now() + o.promisedMs + graceMs),
  };
}

export function orderView(o: OrderWithHistory): OrderView {
  const src = o.sendCurrency;
  const dst = o.destCurrency;
  return {
    id: o.id,
    idempotencyKey: o.idempotencyKey,
    state: o.state as OrderView['state'],
    sendCurrency: src,
    destinationCurrency: dst,
    recipientAmount: formatAmount(o.recipientMinor, dst),
    totalCost: formatAmount(o.shownCostMinor, src),
    reason: o.reason,
    attempts: o.attempts.map((a) => ({
      n: a.n,
      partner: a.partnerId,
      offerId: a.offerId,
      transferId: a.transferId,
      state: a.state as OrderView['attempts'][number]['state'],
      reason: a.reason,
      recipientAmount: formatAmount(a.recipientMinor, dst),
      totalCost: formatAmount(a.costMinor, src),
      deadlineAt: a.deadlineAt.toISOString(),
      createdAt: a.createdAt.toISOString(),
    })),
    history: o.events.map((e) => ({ state: e.state, detail: e.detail, at: e.at.toISOString() })),
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
  };
}

/**
 * Orders of apps: each is routed to one partner at a time as a two-phase transfer; the order worker sends
 * it, and the ledger's outcomes move it on (ledger.repository.ts). The idempotency key makes a retried
 * create return the first order; the same key with another body is refused.
 */
export class OrdersService {
  constructor(
    private readonly repository: OrdersRepository,
    private readonly options: RouteOptionsRepository,
    private readonly routes: RoutesService,
    private readonly directory: Directory,
    private readonly settings: OrderSettings,
    private readonly kick: () => void,
  ) {}

  async create(
    appId: string,
    body: OrderRequest,
    headerKey?: string,
  ): Promise<{ view: OrderView; created: boolean }> {
    // The body's key wins: the SDK sends a header key of its own per call, the same on each retry of it.
    const key = body.idempotencyKey ?? headerKey;
    if (!key)
      refuse({
        kind: 'INVALID_BODY',
        errors: [{ field: 'idempotencyKey', message: 'required (or the Idempotency-Key header)' }],
      });
    const { idempotencyKey: _, ...rest } = body;
    const requestHash = sha256Hex(canonicalJson(rest));
    const seen = await this.repository.byKey(appId, key);
    if (seen) return { view: this.sameOrRefuse(seen, requestHash, key), created: false };
    if (!this.directory.delegatedKeyId(appId)) refuse({ kind: 'NO_DELEGATION', appId });
    const { option, request } = await this.chosen(appId, body, key);
    const orderId = `ord_${randomBytes(9).toString('base64url').replace(/-/g, 'x')}`;
    const policy: Required<ReroutePolicy> = {
      absorbUpToBps: body.policy?.absorbUpToBps ?? this.settings.absorbBps,
      maxAttempts: body.policy?.maxAttempts ?? this.settings.maxAttempts,
    };
    const created = await this.repository.create(
      {
        id: orderId,
        appId,
        idempotencyKey: key,
        requestHash,
        request,
        sender: body.sender,
        recipient: body.recipient,
        policy,
        sendCurrency: request.sendCurrency,
        destCurrency: request.destinationCurrency,
        recipientMinor: BigInt(option.recipientMinor),
        shownCostMinor: BigInt(option.totalCostMinor),
        valueMinor: BigInt(option.valueMinor),
      },
      attemptOf(orderId, 1, appId, option, this.settings.graceMs),
    );
    if (!created) {
      // Another request with the same key won the race: answer as its retry would be answered.
      const winner = await this.repository.byKey(appId, key);
      // No order under the key: the other unique value, the quote, was taken by another order.
      if (!winner) refuse({ kind: 'OPTION_TAKEN', optionId: body.option });
      return { view: this.sameOrRefuse(winner, requestHash, key), created: false };
    }
    this.kick();
    return { view: orderView(created), created: true };
  }

  private sameOrRefuse(seen: OrderWithHistory, requestHash: string, key: string): OrderView {
    if (seen.requestHash !== requestHash) refuse({ kind: 'IDEMPOTENCY_KEY_REUSED', key });
    return orderView(seen);
  }

  /** The option the order names, or with `auto` the best one now. */
  private async chosen(
    appId: string,
    body: OrderRequest,
    key: string,
  ): Promise<{ option: StoredOption; request: RouteRequest }> {
    if (body.option === 'auto') {
      const request = body.route!;
      const [best] = await this.routes.plan(appId, request, { limit: 1, draw: drawOf(`${appId}:${key}`) });
      return { option: best, request };
    }
    const found = await this.options.find(appId, body.option);
    if (!found) refuse({ kind: 'OPTION_NOT_FOUND', optionId: body.option });
    if (found.expiresAt.getTime() <= Date.now()) {
      refuse({ kind: 'OPTION_EXPIRED', optionId: body.option, expiredAt: found.expiresAt.toISOString() });
    }
    // The options of one answer share its quote when the send amount is fixed; the ledger takes it once.
    if (found.option.view.quote && (await this.repository.quoteTaken(found.option.view.quote.id))) {
      refuse({ kind: 'OPTION_TAKEN', optionId: body.option });
    }
    return found;
  }

  async get(appId: string, id: string): Promise<OrderView> {
    const order = await this.repository.get(id);
    if (!order || order.appId !== appId) refuse({ kind: 'ORDER_NOT_FOUND', orderId: id });
    return orderView(order);
  }

  async list(appId: string, q: OrderListQuery): Promise<{ orders: OrderView[]; nextCursor: string | null }> {
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const rows = await this.repository.list(appId, q, after);
    const last = rows[rows.length - 1];
    return {
      orders: rows.map(orderView),
      nextCursor:
        rows.length === q.limit && last
          ? Buffer.from(`${last.createdAt.toISOString()}|${last.id}`).toString('base64url')
          : null,
    };
  }
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at);
  if (!id || Number.isNaN(createdAt.getTime())) {
    refuse({ kind: 'INVALID_BODY', errors: [{ field: 'cursor', message: 'not a cursor of this list' }] });
  }
  return { createdAt, id };
}
