import type { Queryable } from './sql';

export interface ScheduleTimer {
  /** The caller's key (`sla:<clockId>:breach`): scheduling it again re-targets it. */
  id: string;
  kind: string;
  dueAt: Date;
  payload?: unknown;
}

/**
 * Upsert: a new timer, or the same id re-targeted (and re-armed if it had fired), any claim on
 * it voided, so a worker holding the old claim cannot complete it.
 */
export const scheduleTimer = async (tx: Queryable, schema: string, timer: ScheduleTimer, now: Date): Promise<void> => {
  await tx.query(
    `INSERT INTO "${schema}".timers (id, kind, due_at, payload, next_attempt_at, scheduled_at)
     VALUES ($1, $2, $3, $4, $3, $5)
     ON CONFLICT (id) DO UPDATE SET
       kind = EXCLUDED.kind, due_at = EXCLUDED.due_at, payload = EXCLUDED.payload, status = 'pending',
       next_attempt_at = EXCLUDED.due_at, claimed_by = NULL, claimed_until = NULL, claim_token = NULL,
       attempts = 0, last_error = NULL, scheduled_at = EXCLUDED.scheduled_at, fired_at = NULL`,
    [timer.id, timer.kind, timer.dueAt, JSON.stringify(timer.payload ?? {}), now],
  );
};
