import type { Queryable } from './sql';
import type { ScheduleTimer } from './schedule-timer';

/**
 * The upsert of `scheduleTimers` over arrays at `$first` … `$first + 4` (ids, kinds, due times,
 * payloads, now), for a caller that folds it into a statement of its own (a data-modifying
 * `WITH` before it: one round trip for a state change and its timers). Parameters from
 * `scheduleTimersParams`. `onlyIf`: an SQL condition (on the caller's `WITH` names) without
 * which nothing is scheduled, e.g. `EXISTS (SELECT 1 FROM opened)`.
 */
export const scheduleTimersSql = (schema: string, first: number, onlyIf?: string): string =>
  `INSERT INTO "${schema}".timers (id, kind, due_at, payload, next_attempt_at, scheduled_at)
   SELECT t.id, t.kind, t.due_at, t.payload, t.due_at, $${first + 4}::timestamptz
     FROM unnest($${first}::text[], $${first + 1}::text[], $${first + 2}::timestamptz[], $${first + 3}::jsonb[]) AS t(id, kind, due_at, payload)${onlyIf ? `
    WHERE ${onlyIf}` : ''}
   ON CONFLICT (id) DO UPDATE SET
     kind = EXCLUDED.kind, due_at = EXCLUDED.due_at, payload = EXCLUDED.payload, status = 'pending',
     next_attempt_at = EXCLUDED.due_at, claimed_by = NULL, claimed_until = NULL, claim_token = NULL,
     attempts = 0, last_error = NULL, scheduled_at = EXCLUDED.scheduled_at, fired_at = NULL`;

/** The five parameters of `scheduleTimersSql`. Ids must be distinct in one statement: the last of a repeated id wins. */
export const scheduleTimersParams = (timers: readonly ScheduleTimer[], now: Date): unknown[] => {
  const byId = new Map<string, ScheduleTimer>();
  for (const timer of timers) byId.set(timer.id, timer);
  const distinct = [...byId.values()];
  return [distinct.map((t) => t.id), distinct.map((t) => t.kind), distinct.map((t) => t.dueAt), distinct.map((t) => JSON.stringify(t.payload ?? {})), now];
};

/** `scheduleTimer` for many timers in one statement (a fired batch scheduling each clock's next timer). */
export const scheduleTimers = async (tx: Queryable, schema: string, timers: readonly ScheduleTimer[], now: Date): Promise<void> => {
  if (timers.length === 0) return;
  await tx.query(scheduleTimersSql(schema, 1), scheduleTimersParams(timers, now));
};
