/**
 * The ids of the ledger's accounts. Each participant has three accounts per currency (see AccountKind) and
 * the hub two; the ids are part of the state root, so they never change shape.
 */

export function positionAccountId(participantId: string, currency: string): string {
  return `${participantId}/${currency}`;
}
export function settlementAccountId(participantId: string, currency: string): string {
  return `${participantId}/${currency}/settlement`;
}
export function feesAccountId(participantId: string, currency: string): string {
  return `${participantId}/${currency}/fees`;
}
/** The hub's settlement account of a currency: the other side of prefunding and withdrawals. */
export function hubAccountId(currency: string): string {
  return `hub/${currency}`;
}
/** The operator's scheme fee income of a currency. */
export function hubFeesAccountId(currency: string): string {
  return `hub/${currency}/fees`;
}
