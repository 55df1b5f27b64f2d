import type { EntityManager } from 'typeorm';
import { rowsOf } from './webhook-rows';

/** Batched deletes (as docs/adr/0032): each statement removes at most `limit` rows, oldest first. */
export const webhookRetentionStore = {
  async pruneEvents(tx: EntityManager, before: Date, limit: number): Promise<number> {
    return rowsOf(
      await tx.query(
        `DELETE FROM notification.webhook_events WHERE id IN (
           SELECT id FROM notification.webhook_events WHERE occurred_at < $1 ORDER BY occurred_at LIMIT $2
         ) RETURNING 1`,
        [before, limit],
      ),
    ).length;
  },

  async pruneFinishedDeliveries(tx: EntityManager, before: Date, limit: number): Promise<number> {
    return rowsOf(
      await tx.query(
        `DELETE FROM notification.webhook_deliveries WHERE id IN (
           SELECT id FROM notification.webhook_deliveries
            WHERE status IN ('succeeded', 'failed', 'cancelled') AND completed_at < $1 ORDER BY completed_at LIMIT $2
         ) RETURNING 1`,
        [before, limit],
      ),
    ).length;
  },
};
