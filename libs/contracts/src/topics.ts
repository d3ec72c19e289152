/**
 * Kafka topics of Concord. The command log has a single partition on purpose: it is the one total order
 * that every signer executes. The other topics are keyed and may be spread over partitions.
 */
export const TOPICS = {
  /**
   * Signed instructions, governance and cut markers: the ledger's input, in one total order. The broker
   * stamps each record with its append time, which is the ledger's clock: no producer (a gateway, or a
   * signer sending cut markers) can move the ledger's time by its own clock.
   */
  ledgerCommands: { name: 'ledger.commands', partitions: 1, retentionMs: -1, timestampType: 'LogAppendTime' },
  /** Each signer's signed block header. */
  ledgerVotes: { name: 'ledger.votes', partitions: 1, retentionMs: -1 },
  /** Finalized blocks (header, certificate, transfer outcomes), published once per block. */
  ledgerFinalized: { name: 'ledger.finalized', partitions: 1, retentionMs: -1 },
  /** Reconciliation alarms: a signer whose state root disagrees with the certified one. */
  ledgerAlarms: { name: 'ledger.alarms', partitions: 1, retentionMs: 7 * 24 * 3600 * 1000 },
  /** FX quote lifecycle events. */
  fxEvents: { name: 'fx.events', partitions: 3, retentionMs: 7 * 24 * 3600 * 1000 },
  /** Clearing events: windows, instructions, limit alarms. */
  clearingEvents: { name: 'clearing.events', partitions: 3, retentionMs: 7 * 24 * 3600 * 1000 },
  /**
   * Commands to the clearing service: operators' close-window (keyed by currency) and partners'
   * confirm-settlement, forwarded by the gateway (keyed by instruction id).
   */
  clearingCommands: { name: 'clearing.commands', partitions: 1, retentionMs: 7 * 24 * 3600 * 1000 },
  /** Every webhook delivery attempt of the gateway (outcome, status code or error), keyed by participant. */
  gatewayWebhookDeliveries: {
    name: 'gateway.webhook-deliveries',
    partitions: 1,
    retentionMs: 7 * 24 * 3600 * 1000,
  },
  /** Messages that failed validation, with the reason; never dropped silently. */
  deadLetter: { name: 'concord.dead-letter', partitions: 1, retentionMs: 30 * 24 * 3600 * 1000 },
  /** Requests to the FX service (quote, set-spread, set-markup, set-fee), keyed by request id. */
  fxQuoteRequests: { name: 'fx.quote-requests', partitions: 3, retentionMs: 24 * 3600 * 1000 },
  /** The FX service's replies, keyed by the id of the request they answer. */
  fxQuoteReplies: { name: 'fx.quote-replies', partitions: 3, retentionMs: 24 * 3600 * 1000 },
} as const;

export type TopicKey = keyof typeof TOPICS;

/** The full topic name under an optional prefix (tests use a prefix per run to stay isolated). */
export function topicName(key: TopicKey, prefix = ''): string {
  return prefix ? `${prefix}.${TOPICS[key].name}` : TOPICS[key].name;
}
