import { createRequire } from 'node:module';

/** The part of kafkajs 2.2.4's per-connection request queue (`src/network/requestQueue`) that the fix replaces. */
interface RequestQueue {
  pending: unknown[];
  /** Epoch ms until which the broker throttles this connection; -1 when it never did. */
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs's own interval for a queue that holds requests back (CHECK_PENDING_REQUESTS_INTERVAL). */
const PENDING_CHECK_MS = 10;

const FIXED = Symbol.for('tss.kafkajs.request-queue-fix');

/**
 * kafkajs 2.2.4 re-checks every connection's request queue on a timer that never stops: with no
 * throttle it schedules the next check `-1 - Date.now()` ms ahead, which Node runs after 1 ms, so
 * each broker connection wakes its process a thousand times a second, idle or not
 * (tulios/kafkajs#1556, #1704; the open pull requests #1667 and #1768 were never released, and
 * 2.2.4 is frozen: docs/adr/0002). This schedules a check only when one can do something: requests
 * are held back (every 10 ms, or at the throttle's end), or a throttle is running. A request pushed
 * later, or an answer that frees a slot, checks the queue itself, as before (docs/adr/0057).
 *
 * Idempotent; `KafkaTransport` applies it before it creates its first client.
 */
export const fixKafkajsRequestQueue = (): void => {
  const require = createRequire(__filename);
  const RequestQueueClass = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueue & { [FIXED]?: true } };
  const proto = RequestQueueClass.prototype;
  if (proto[FIXED]) return;
  proto.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueue): void {
    if (this.throttleCheckTimeoutId) return;
    // kafkajs keeps `throttledUntil` in epoch ms, so the wall clock is the one to compare it with.
    // eslint-disable-next-line no-restricted-syntax -- kafkajs's own time base, not the service's clock
    const untilUnthrottled = this.throttledUntil - Date.now();
    let delay: number;
    if (this.pending.length > 0) delay = untilUnthrottled > 0 ? untilUnthrottled : PENDING_CHECK_MS;
    else if (untilUnthrottled > 0) delay = untilUnthrottled;
    else return;
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, delay);
  };
  proto[FIXED] = true;
};
