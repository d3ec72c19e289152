import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhookPayload } from './signature';
import { nonPublicTarget } from './url';

/** What one HTTP attempt gave: the receiver's status, or why there was none. */
export interface AttemptResult {
  statusCode?: number;
  error?: string;
  durationMs: number;
  at: Date;
}

export interface SignedPost {
  url: string;
  /** The subscription's secret: the body is signed with it at this attempt's time. */
  secret: string;
  /** The stored payload, sent byte for byte as signed. */
  payload: string;
  eventId: string;
  eventType: string;
  deliveryId: string;
  attempt: number;
  /** Longest wait for the receiver's answer. */
  timeoutMs: number;
  /** Else a URL whose host is (or resolves to) a non-public address is not called (SSRF). */
  allowPrivateUrls?: boolean;
  /** The user agent of the sender (`Concord-Webhooks/1` by default). */
  userAgent?: string;
  /** The payload's media type (`application/json` by default; `application/xml` for ISO 20022). */
  contentType?: string;
}

/**
 * One attempt of a webhook delivery: POSTs the payload signed now (`Concord-Signature`), with the event
 * id (the same on every attempt, for the receiver to drop duplicates), the event type, the delivery id and
 * the attempt number. Redirects are not followed (they count as failures); a non-public target is refused
 * without a request unless allowed. Never throws: a failure comes back as `error`.
 */
export async function postSignedWebhook(
  post: SignedPost,
  send: typeof fetch = fetch,
): Promise<AttemptResult> {
  const at = new Date();
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  // Checked at every attempt: the name may resolve to another address than when the URL was accepted.
  const refused = post.allowPrivateUrls ? undefined : await nonPublicTarget(post.url);
  if (refused) return { error: `not sent: ${refused}`, durationMs: elapsed(), at };
  try {
    const response = await send(post.url, {
      method: 'POST',
      headers: {
        'content-type': post.contentType ?? 'application/json',
        'user-agent': post.userAgent ?? 'Concord-Webhooks/1',
        [SIGNATURE_HEADER]: signWebhookPayload(post.secret, post.payload, Math.floor(at.getTime() / 1000)),
        [EVENT_ID_HEADER]: post.eventId,
        'Concord-Event-Type': post.eventType,
        'Concord-Delivery-Id': post.deliveryId,
        'Concord-Delivery-Attempt': String(post.attempt),
      },
      body: post.payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(post.timeoutMs),
    });
    await response.body?.cancel().catch(() => undefined);
    return { statusCode: response.status, durationMs: elapsed(), at };
  } catch (error) {
    return { error: describeFetchError(error, post.timeoutMs), durationMs: elapsed(), at };
  }
}

/** A fetch failure in a line: a timeout as such, else the message with its cause's code. */
export function describeFetchError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `${e?.message ?? String(error)}${cause ? ` (${cause})` : ''}`.slice(0, 500);
}

/**
 * The BullMQ jobs of deliveries (`queue.addBulk`): the job id is the delivery id, so a delivery queued
 * twice (a sweep after a crash) is one job; failed attempts are retried with exponential backoff, and the
 * last failure is kept a week (the dead letters are also in the delivery rows).
 */
export function deliveryJobs(ids: string[], settings: { attempts: number; backoffMs: number }) {
  return ids.map((id) => ({
    name: 'deliver',
    data: { deliveryId: id },
    opts: {
      jobId: id,
      attempts: settings.attempts,
      backoff: { type: 'exponential', delay: settings.backoffMs },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    },
  }));
}
