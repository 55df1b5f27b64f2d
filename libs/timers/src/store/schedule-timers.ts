import type { Queryable } from './sql';
import type { ScheduleTimer } from './schedule-timer';

/**
 * The upsert of `scheduleTimers` over `$first` (the timers as one JSON document) and `$first + 1`
 * (now), for a caller that folds it into a statement of its own (a data-modifying `WITH` before
 * it: one round trip for a state change and its timers). Parameters from `scheduleTimersParams`;
 * a caller numbers its own after `params.length`. One JSON document rather than an array per
 * column: node-postgres escapes each array element in JavaScript (docs/performance.md).
 * `onlyIf`: an SQL condition (on the caller's `WITH` names) without which nothing is scheduled,
 * e.g. `EXISTS (SELECT 1 FROM opened)`.
 */
export const scheduleTimersSql = (schema: string, first: number, onlyIf?: string): string =>
  `INSERT INTO "${schema}".timers (id, kind, due_at, payload, next_attempt_at, scheduled_at)
   SELECT t.id, t.kind, t.due_at, t.payload, t.due_at, $${first + 1}::timestamptz
     FROM jsonb_to_recordset($${first}::jsonb) AS t(id text, kind text, due_at timestamptz, payload jsonb)${onlyIf ? `
    WHERE ${onlyIf}` : ''}
   ON CONFLICT (id) DO UPDATE SET
     kind = EXCLUDED.kind, due_at = EXCLUDED.due_at, payload = EXCLUDED.payload, status = 'pending',
     next_attempt_at = EXCLUDED.due_at, claimed_by = NULL, claimed_until = NULL, claim_token = NULL,
     attempts = 0, last_error = NULL, scheduled_at = EXCLUDED.scheduled_at, fired_at = NULL`;

/** The two parameters of `scheduleTimersSql`. Ids must be distinct in one statement: the last of a repeated id wins. */
export const scheduleTimersParams = (timers: readonly ScheduleTimer[], now: Date): unknown[] => {
  const byId = new Map<string, ScheduleTimer>();
  for (const timer of timers) byId.set(timer.id, timer);
  const rows = [...byId.values()].map((t) => ({ id: t.id, kind: t.kind, due_at: t.dueAt.toISOString(), payload: t.payload ?? {} }));
  return [JSON.stringify(rows), now];
};

/** `scheduleTimer` for many timers in one statement (a fired batch scheduling each clock's next timer). */
export const scheduleTimers = async (tx: Queryable, schema: string, timers: readonly ScheduleTimer[], now: Date): Promise<void> => {
  if (timers.length === 0) return;
  await tx.query(scheduleTimersSql(schema, 1), scheduleTimersParams(timers, now));
};
