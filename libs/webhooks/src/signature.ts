import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying the payload signature of every webhook request. */
export const SIGNATURE_HEADER = 'Concord-Signature';
/** The header carrying the event id: the same on every attempt, so a receiver can drop duplicates. */
export const EVENT_ID_HEADER = 'Concord-Event-Id';

/** Lower-case hex HMAC-SHA256 of `<t>.<body>` under the subscription's secret (its UTF-8 bytes). */
export function webhookMac(secret: string, timestampS: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampS}.${body}`, 'utf8').digest('hex');
}

/**
 * The `Concord-Signature` value of one attempt: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." +
 * body)>`. The timestamp is signed with the body, so a captured request cannot be replayed later than
 * the receiver's tolerance.
 */
export function signWebhookPayload(secret: string, body: string, timestampS: number): string {
  return `t=${timestampS},v1=${webhookMac(secret, timestampS, body)}`;
}

export type WebhookSignatureCheck =
  { ok: true; timestampS: number } | { ok: false; reason: 'MALFORMED' | 'STALE' | 'MISMATCH' };

/**
 * What a receiver does with a webhook request: parse `t` and every `v1`, refuse a timestamp further than
 * `toleranceS` from its clock, recompute the HMAC over the raw body bytes exactly as received and compare
 * in constant time. Several `v1` values may appear (one per secret while a secret is being replaced).
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  body: string,
  nowS: number,
  toleranceS = 300,
): WebhookSignatureCheck {
  if (!header) return { ok: false, reason: 'MALFORMED' };
  let timestampS: number | undefined;
  const macs: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { ok: false, reason: 'MALFORMED' };
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || timestampS !== undefined) return { ok: false, reason: 'MALFORMED' };
      timestampS = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/.test(value)) return { ok: false, reason: 'MALFORMED' };
      macs.push(value);
    }
  }
  if (timestampS === undefined || macs.length === 0) return { ok: false, reason: 'MALFORMED' };
  if (Math.abs(nowS - timestampS) > toleranceS) return { ok: false, reason: 'STALE' };
  const expected = Buffer.from(webhookMac(secret, timestampS, body), 'hex');
  const match = macs.some((m) => timingSafeEqual(Buffer.from(m, 'hex'), expected));
  return match ? { ok: true, timestampS } : { ok: false, reason: 'MISMATCH' };
}
