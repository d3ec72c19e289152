/**
 * A fix for kafkajs 2.2.4's idle timer loop (tulios/kafkajs#1556; the fix proposed upstream, #1667, was
 * never released). Every broker connection's request queue re-arms `setTimeout(check, throttledUntil -
 * now)` after each check even when nothing waits to be sent and nothing is throttled; that delay is
 * negative, so every connection of every process wakes its event loop about once a millisecond, forever.
 * Measured here with one transfer in flight: ~1,400 empty event-loop turns a second in each service and
 * a few hundredths of a core per process at idle, much more under load on this nested VM, where every
 * wake-up costs a context switch.
 *
 * The queue only needs a timer when requests are pending: a new request schedules a check as it is
 * queued, and every response checks the queue again. So the check is scheduled only then, after the
 * throttle if one is in force and otherwise after kafkajs's own 10 ms.
 *
 * Applied once, when libs/kafka is first imported, to the RequestQueue class that every kafkajs client
 * of the process shares.
 */

/** kafkajs's CHECK_PENDING_REQUESTS_INTERVAL. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

interface RequestQueueLike {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null | undefined;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

interface RequestQueueClass {
  prototype: RequestQueueLike & { concordIdleLoopFixed?: boolean };
}

function scheduleCheckPendingRequests(this: RequestQueueLike): void {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
  const throttledForMs = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    throttledForMs > 0 ? throttledForMs : CHECK_PENDING_REQUESTS_INTERVAL_MS,
  );
}

/** The class every kafkajs connection queues its requests in (kafkajs has no export map, so the path is open). */
export function kafkajsRequestQueue(): RequestQueueClass {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('kafkajs/src/network/requestQueue') as RequestQueueClass;
}

/** Replaces the looping scheduler; idempotent. */
export function patchRequestQueueIdleLoop(): void {
  const { prototype } = kafkajsRequestQueue();
  if (prototype.concordIdleLoopFixed) return;
  if (typeof prototype.scheduleCheckPendingRequests !== 'function') {
    throw new Error(
      'kafkajs RequestQueue has no scheduleCheckPendingRequests: review request-queue-patch.ts',
    );
  }
  prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  prototype.concordIdleLoopFixed = true;
}
