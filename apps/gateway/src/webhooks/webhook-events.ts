import { FinalizedBlock, transferKey, TransferOutcome } from '@concord/contracts';
import { sha256Hex } from '@concord/crypto';
import { formatAmount } from '@concord/money';
import { toTransferView, TransferView } from '../transfers/transfers.dto';
import type { TransferRow } from '../transfers/transfers.repository';

export interface Subscription {
  id: string;
  participantId: string;
  events: string[];
}

export interface NewDelivery {
  id: string;
  webhookId: string;
  participantId: string;
  eventId: string;
  event: string;
  transferId: string;
  blockHeight: number;
  payload: string;
}

/** The body of every webhook request (`data`: the transfer, or the settlement instruction). */
export interface WebhookPayload<D = TransferView> {
  id: string;
  type: string;
  /**
   * When the state came to be, the same on every attempt: the block time of the block that finalized a
   * transfer's state, the time the clearing service published a settlement event.
   */
  createdAt: string;
  data: D;
}

/**
 * One delivery per (subscription, transfer, state): derived, so that applying a block again adds none.
 * `transfer` is the transfer's key (`<payer>/<id>`: two payers may use one id), or a settlement subject.
 */
export function deliveryId(webhookId: string, transfer: string, status: string): string {
  return `dlv_${sha256Hex(`${webhookId}\n${transfer}\n${status}`).slice(0, 32)}`;
}

/** One event per (participant, transfer, state): two subscriptions of one partner share the event id. */
export function eventId(participantId: string, transfer: string, status: string): string {
  return `evt_${sha256Hex(`${participantId}\n${transfer}\n${status}`).slice(0, 32)}`;
}

/** The transfer as the API shows it, in the state this outcome gave it. */
function viewOf(
  outcome: TransferOutcome,
  row: TransferRow | undefined,
  height: number,
  at: Date,
): TransferView {
  if (row) {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { reason, ...rest } = toTransferView(row);
    return {
      ...rest,
      status: outcome.status,
      ...(outcome.reason ? { reason: outcome.reason } : {}),
      blockHeight: height,
    };
  }
  // A transfer that did not come through this gateway (genesis funds, another gateway).
  return {
    id: outcome.transferId,
    status: outcome.status,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    payer: outcome.payer,
    payee: outcome.payee,
    amount: formatAmount(BigInt(outcome.amountMinor), outcome.currency),
    currency: outcome.currency,
    twoPhase: false,
    blockHeight: height,
    createdAt: at.toISOString(),
    finalizedAt: at.toISOString(),
  };
}

/**
 * The deliveries a finalized block causes: for every outcome, one per subscription of its payer and of
 * its payee that asked for `transfer.<status>`. `rows` are the gateway's transfers after the block was
 * applied, by transfer key. A refused instruction (`refusal`) counts only when it settled a submission
 * of this gateway (its row turned `rejected` at this height), and then the row's parties count.
 */
export function deliveriesForBlock(
  block: FinalizedBlock,
  subscriptions: Subscription[],
  rows: Map<string, TransferRow>,
): NewDelivery[] {
  const height = block.header.height;
  const at = new Date(block.header.blockTimeMs);
  const byParticipant = new Map<string, Subscription[]>();
  for (const s of subscriptions)
    byParticipant.set(s.participantId, [...(byParticipant.get(s.participantId) ?? []), s]);
  const out = new Map<string, NewDelivery>();
  for (const outcome of block.outcomes) {
    const key = transferKey(outcome.payer, outcome.transferId);
    const row = rows.get(key);
    let parties: string[];
    let effective: TransferOutcome = outcome;
    if (outcome.refusal) {
      if (!row || row.status !== 'rejected' || row.blockHeight !== height) continue;
      parties = [row.payer, row.payee];
      effective = { ...outcome, status: 'rejected', reason: row.reason ?? outcome.reason };
    } else {
      parties = [outcome.payer, outcome.payee];
    }
    const event = `transfer.${effective.status}`;
    let data: TransferView | undefined;
    for (const participantId of new Set(parties)) {
      for (const sub of byParticipant.get(participantId) ?? []) {
        if (!sub.events.includes(event)) continue;
        const id = deliveryId(sub.id, key, effective.status);
        if (out.has(id)) continue;
        data ??= viewOf(effective, row, height, at);
        const payload: WebhookPayload = {
          id: eventId(participantId, key, effective.status),
          type: event,
          createdAt: at.toISOString(),
          data,
        };
        out.set(id, {
          id,
          webhookId: sub.id,
          participantId,
          eventId: payload.id,
          event,
          transferId: outcome.transferId,
          blockHeight: height,
          payload: JSON.stringify(payload),
        });
      }
    }
  }
  return [...out.values()];
}
