import { IsoTransfer, TRANSFER_EVENTS, transferToCamt054, transferToPacs002 } from '@concord/contracts';

/** What one attempt of a delivery sends: the body (signed as it is) and its media type. */
export interface WebhookBody {
  payload: string;
  contentType: string;
}

const TRANSFER_EVENT_TYPES = new Set<string>(TRANSFER_EVENTS);

/**
 * The body a subscription receives for a delivery. `json` (and every event that is not a transfer's):
 * the stored JSON payload. `iso20022`, a transfer event: to the payee of a transfer that moved money
 * (committed, fulfilled), the camt.054 notification of its account's credit; otherwise (the payer, or a
 * transfer reserved, rejected, aborted, expired) the pacs.002 status report. Built from the stored
 * payload alone, so every attempt sends (and signs) the same bytes.
 */
export function webhookBody(
  format: string,
  delivery: { event: string; participantId: string; payload: string },
): WebhookBody {
  const json = { payload: delivery.payload, contentType: 'application/json' };
  if (format !== 'iso20022' || !TRANSFER_EVENT_TYPES.has(delivery.event)) return json;
  const event = JSON.parse(delivery.payload) as { id: string; createdAt: string; data: IsoTransfer };
  const t = event.data;
  const credited =
    delivery.participantId === t.payee && (t.status === 'committed' || t.status === 'fulfilled');
  return {
    payload: credited ? transferToCamt054(event, t, delivery.participantId) : transferToPacs002(event, t),
    contentType: 'application/xml; charset=utf-8',
  };
}
