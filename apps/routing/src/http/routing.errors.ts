import { DomainFailure, FieldProblem, mapProblem, Problem, ProblemMap } from '@concord/http-problems';

/** Expected outcomes of the routing API, each answered as one RFC 9457 problem. */
export type RoutingError =
  | { kind: 'INVALID_BODY'; errors: FieldProblem[] }
  | { kind: 'UNAUTHENTICATED'; detail: string }
  | { kind: 'NOT_A_PARTNER_CALL'; detail: string }
  | { kind: 'UNKNOWN_CORRIDOR'; corridor: string }
  | { kind: 'NO_ROUTE'; detail: string }
  | { kind: 'OPTION_NOT_FOUND'; optionId: string }
  | { kind: 'OPTION_EXPIRED'; optionId: string; expiredAt: string }
  | { kind: 'OPTION_TAKEN'; optionId: string }
  | { kind: 'IDEMPOTENCY_KEY_REUSED'; key: string }
  | { kind: 'NO_DELEGATION'; appId: string }
  | { kind: 'ORDER_NOT_FOUND'; orderId: string }
  | { kind: 'OFFER_NOT_FOUND'; offerId: string }
  | { kind: 'WEBHOOK_NOT_FOUND'; webhookId: string }
  | { kind: 'FX_UNAVAILABLE'; detail: string };

const invalid = (field: string, message: string) =>
  new Problem(400, 'INVALID_BODY', 'The request body is not valid', { errors: [{ field, message }] });

export const ROUTING_PROBLEMS: ProblemMap<RoutingError> = {
  INVALID_BODY: (e) =>
    new Problem(400, 'INVALID_BODY', 'The request body is not valid', { errors: e.errors }),
  UNAUTHENTICATED: (e) => new Problem(401, 'UNAUTHENTICATED', 'The request signature was refused', e),
  NOT_A_PARTNER_CALL: (e) => new Problem(403, 'FORBIDDEN', 'Not allowed for this caller', e),
  UNKNOWN_CORRIDOR: (e) =>
    new Problem(422, 'UNKNOWN_CORRIDOR', 'No payout partner serves this corridor', {
      detail: `no active offer for ${e.corridor}; GET /v1/corridors lists what can be sent where`,
    }),
  NO_ROUTE: (e) => new Problem(422, 'NO_ROUTE', 'No payout partner can take this order', e),
  OPTION_NOT_FOUND: (e) => invalid('option', `no option ${e.optionId} of this app`),
  OPTION_EXPIRED: (e) =>
    new Problem(410, 'OPTION_EXPIRED', 'The option has expired', {
      detail: `option ${e.optionId} expired at ${e.expiredAt}: ask POST /v1/routes again`,
      errors: [{ field: 'option', message: 'expired' }],
    }),
  OPTION_TAKEN: (e) =>
    new Problem(409, 'OPTION_TAKEN', 'Another order used this answer', {
      detail: `option ${e.optionId} shares its FX quote with an option already ordered: ask POST /v1/routes again`,
      errors: [{ field: 'option', message: 'taken' }],
    }),
  IDEMPOTENCY_KEY_REUSED: (e) =>
    new Problem(409, 'IDEMPOTENCY_KEY_REUSED', 'The idempotency key was used with another body', {
      detail: `key ${e.key} named another order; use a new key for a new order`,
    }),
  NO_DELEGATION: (e) =>
    new Problem(409, 'NO_DELEGATION', 'The app has not delegated a key to routing', {
      detail: `${e.appId} has no key with routing's public key (GET /v1/routing-key); add it with add-participant-key`,
    }),
  ORDER_NOT_FOUND: (e) =>
    new Problem(404, 'ORDER_NOT_FOUND', 'No such order', { detail: `no order ${e.orderId} of this app` }),
  OFFER_NOT_FOUND: (e) =>
    new Problem(404, 'OFFER_NOT_FOUND', 'No such offer', { detail: `no offer ${e.offerId} of this partner` }),
  WEBHOOK_NOT_FOUND: (e) =>
    new Problem(404, 'WEBHOOK_NOT_FOUND', 'No such webhook', {
      detail: `no webhook ${e.webhookId} of this app`,
    }),
  FX_UNAVAILABLE: (e) => new Problem(503, 'FX_UNAVAILABLE', 'No FX quote could be had', e),
};

export class RoutingFailure extends DomainFailure<RoutingError> {
  toProblem(): Problem {
    return mapProblem(ROUTING_PROBLEMS, this.error);
  }
}

export function refuse(error: RoutingError): never {
  throw new RoutingFailure(error);
}
