import type { EntityManager } from 'typeorm';
import type { FiredTimer, TimerStore } from '@tss/timers';
import type { Clock } from '@tss/service-kit';
import { webhookDeliveryStore } from '../store/webhook-delivery.store';
import { attemptTimer, WEBHOOK_READY_CHANNEL } from '../use-cases/webhook-queue';

/** A fired timer whose delivery was locked by another transaction is looked at again this much later. */
export const SKIPPED_RETRY_MS = 1_000;
/**
 * A held delivery (docs/adr/0066) is looked at again this much later while its ticket's earlier
 * delivery is unfinished: the release by that one is the rule; this only catches one it missed
 * (queued while the delivery ahead was ending), so it is long next to a watchdog.
 */
export const HELD_RECHECK_MS = 10 * 60_000;

const deliveryIdOf = (timer: FiredTimer): string | undefined => {
  const deliveryId = (timer.payload as { deliveryId?: unknown } | null)?.deliveryId;
  return typeof deliveryId === 'string' ? deliveryId : undefined;
};

/**
 * Attempts are due (or attempts in flight outlived their watchdog): the deliveries become ready and
 * the senders are told at commit (NOTIFY is sent when the transaction commits). Each timer is
 * re-armed as the watchdog, so a delivery nobody records is made ready again. A whole fired batch
 * in three statements (issue #15: one transaction and three round trips per delivery capped the
 * queue at a few dozen deliveries a second): the update, one upsert of every timer, the NOTIFY.
 */
export const onWebhookAttemptsDue =
  (deps: { timers: TimerStore; clock: Clock; watchdogMs: number }) =>
  async (timers: readonly FiredTimer[], tx: EntityManager): Promise<void> => {
    const ids = [...new Set(timers.map(deliveryIdOf).filter((id): id is string => id !== undefined))];
    if (ids.length === 0) return;
    const now = deps.clock.now();
    const { ready, alive, held, skipped } = await webhookDeliveryStore.markAllReady(tx, ids, now, deps.watchdogMs);
    // A delivery another transaction held: its timer is re-armed shortly (that transaction may re-target it first).
    // An attempt still within its watchdog (claims leave timers as they are): re-armed for when that watchdog is due.
    const retryAt = new Date(now.getTime() + SKIPPED_RETRY_MS);
    const watchdogAt = new Date(now.getTime() + deps.watchdogMs);
    const recheckAt = new Date(now.getTime() + HELD_RECHECK_MS);
    await deps.timers.scheduleAll(tx, [
      ...skipped.map((id) => attemptTimer(id, retryAt)),
      ...held.map((id) => attemptTimer(id, recheckAt)),
      ...alive.map((a) => attemptTimer(a.id, a.watchdogAt)),
      ...ready.map((id) => attemptTimer(id, watchdogAt)),
    ]);
    if (ready.length === 0) return;
    await tx.query(`SELECT pg_notify($1, '')`, [WEBHOOK_READY_CHANNEL]);
  };
