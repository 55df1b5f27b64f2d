import type { EntityManager } from 'typeorm';
import type { Clock } from '@tss/service-kit';
import type { FiredTimer, TimerStore } from '@tss/timers';
import { webhookRetentionStore } from '../store/webhook-retention.store';

export const WEBHOOK_PRUNE_TIMER = 'webhook.prune';
export const WEBHOOK_PRUNE_TIMER_ID = 'webhook:prune';
const DAY_MS = 24 * 3_600_000;
const BATCH = 5_000;
/** A sweep that found a full batch looks again soon; otherwise tomorrow. */
const AGAIN_SOON_MS = 60_000;

/**
 * Events older than the retention can no longer be replayed, and finished deliveries older than it
 * leave the log. One batch per firing, in the timer's transaction; the timer re-arms itself.
 */
export const onWebhookPruneDue = (deps: { timers: TimerStore; clock: Clock; retentionDays: number }) => async (_timer: FiredTimer, tx: EntityManager): Promise<void> => {
  const now = deps.clock.now();
  const before = new Date(now.getTime() - deps.retentionDays * DAY_MS);
  const events = await webhookRetentionStore.pruneEvents(tx, before, BATCH);
  const deliveries = await webhookRetentionStore.pruneFinishedDeliveries(tx, before, BATCH);
  const again = events === BATCH || deliveries === BATCH ? AGAIN_SOON_MS : DAY_MS;
  await deps.timers.schedule(tx, { id: WEBHOOK_PRUNE_TIMER_ID, kind: WEBHOOK_PRUNE_TIMER, dueAt: new Date(now.getTime() + again) });
};
