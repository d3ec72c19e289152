import type { TransferOutcome } from '@concord/contracts';
import { Counter, Histogram, Registry } from 'prom-client';

/**
 * Upper bounds of the request duration buckets, in seconds: fine below 100 ms where signed writes and
 * reads answer, coarse up to 30 s where `?wait=` long-polls end.
 */
export const HTTP_DURATION_BUCKETS_S = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** The route label of a request that matched no route (404s of any path, which must not become labels). */
export const UNMATCHED_ROUTE = 'unmatched';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The method as a label: the usual ones as they are, anything else as OTHER. */
export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : 'OTHER';
}

/**
 * The route label of a request: the template it matched (`/v1/transfers/:id`), never the raw path, so
 * that the number of series stays bounded whatever ids and junk paths clients send.
 */
export function routeLabel(template: string | undefined): string {
  return template || UNMATCHED_ROUTE;
}

/** Reason codes are the ledger's and the gateway's constants; anything else is counted as OTHER. */
const REASON = /^[A-Z][A-Z0-9_]{0,63}$/;
const MAX_REASONS = 100;

/**
 * Every metric of the gateway, registered on the registry that `/metrics` serves (beside Node's default
 * metrics). Label values come from closed sets only (route templates, status codes, reason codes, event
 * types, member ids), so the number of series stays bounded.
 */
export class GatewayMetrics {
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly transfersAccepted: Counter;
  readonly transfersFinalized: Counter<'status' | 'reason'>;
  readonly authRefusals: Counter<'reason'>;
  readonly rateLimited: Counter<'participant'>;
  readonly webhookDeliveries: Counter<'event' | 'result'>;
  readonly clearingEvents: Counter<'type' | 'result'>;
  private readonly reasons = new Set<string>();

  constructor(readonly registry: Registry) {
    this.httpDuration = new Histogram({
      name: 'gateway_http_request_duration_seconds',
      help: 'HTTP requests by method, route template and status code, from arrival to the last byte sent',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_DURATION_BUCKETS_S,
      registers: [registry],
    });
    this.transfersAccepted = new Counter({
      name: 'gateway_transfers_accepted_total',
      help: 'New transfers accepted by this gateway and sent to the ledger (retries of known ids not counted)',
      registers: [registry],
    });
    this.transfersFinalized = new Counter({
      name: 'gateway_transfers_finalized_total',
      help:
        'Transfer outcomes of the finalized blocks applied by this gateway, by status; reason only for ' +
        'rejected and refused (an instruction refused without recording a state)',
      labelNames: ['status', 'reason'],
      registers: [registry],
    });
    this.authRefusals = new Counter({
      name: 'gateway_auth_refusals_total',
      help: 'Requests refused by authentication (401) or for an inactive member (403), by problem code',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.rateLimited = new Counter({
      name: 'gateway_rate_limited_total',
      help: 'Requests answered 429 by the per-participant rate limit, by participant',
      labelNames: ['participant'],
      registers: [registry],
    });
    this.webhookDeliveries = new Counter({
      name: 'gateway_webhook_deliveries_total',
      help:
        'Webhook delivery attempts by event type and result: delivered (2xx), retried (failed, another ' +
        'attempt will follow), dead (the last attempt failed), cancelled (the webhook was deleted)',
      labelNames: ['event', 'result'],
      registers: [registry],
    });
    this.clearingEvents = new Counter({
      name: 'gateway_clearing_events_total',
      help:
        'clearing.events messages taken in, by event type and result: queued (webhook deliveries written), ' +
        'duplicate (redelivered, nothing new), unsubscribed, unroutable (instruction unknown), ignored',
      labelNames: ['type', 'result'],
      registers: [registry],
    });
  }

  /** One finished HTTP request; `elapsedMs` as Fastify measures it (`reply.elapsedTime`). */
  observeHttp(method: string, route: string | undefined, statusCode: number, elapsedMs: number): void {
    this.httpDuration.observe(
      { method: methodLabel(method), route: routeLabel(route), status: String(statusCode) },
      elapsedMs / 1000,
    );
  }

  /**
   * The outcomes of finalized blocks just applied. A block holds up to thousands of outcomes: they are
   * summed per label set first, so that the counter is touched once per status and reason.
   */
  countOutcomes(outcomes: readonly Pick<TransferOutcome, 'status' | 'reason' | 'refusal'>[]): void {
    const sums = new Map<string, { status: string; reason: string; n: number }>();
    for (const o of outcomes) {
      const status = o.refusal ? 'refused' : o.status;
      const reason = status === 'rejected' || status === 'refused' ? this.reasonLabel(o.reason) : '';
      const key = `${status} ${reason}`;
      const sum = sums.get(key);
      if (sum) sum.n++;
      else sums.set(key, { status, reason, n: 1 });
    }
    for (const { status, reason, n } of sums.values()) this.transfersFinalized.inc({ status, reason }, n);
  }

  /** A reason code as a label: unknown shapes, and any code past the first hundred seen, are OTHER. */
  reasonLabel(reason: string | undefined): string {
    if (!reason || !REASON.test(reason)) return 'OTHER';
    if (this.reasons.has(reason)) return reason;
    if (this.reasons.size >= MAX_REASONS) return 'OTHER';
    this.reasons.add(reason);
    return reason;
  }
}
