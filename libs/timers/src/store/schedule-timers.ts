import type { Queryable } from './sql';
import type { ScheduleTimer } from './schedule-timer';

/**
 * `scheduleTimer` for many timers in one statement (a fired batch scheduling each clock's next
 * timer). Same upsert; the ids must be distinct (one statement cannot write a row twice): the
 * last of a repeated id wins.
 */
export const scheduleTimers = async (tx: Queryable, schema: string, timers: readonly ScheduleTimer[], now: Date): Promise<void> => {
  const byId = new Map<string, ScheduleTimer>();
  for (const timer of timers) byId.set(timer.id, timer);
  const distinct = [...byId.values()];
  if (distinct.length === 0) return;
  await tx.query(
    `INSERT INTO "${schema}".timers (id, kind, due_at, payload, next_attempt_at, scheduled_at)
     SELECT t.id, t.kind, t.due_at, t.payload, t.due_at, $5
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::jsonb[]) AS t(id, kind, due_at, payload)
     ON CONFLICT (id) DO UPDATE SET
       kind = EXCLUDED.kind, due_at = EXCLUDED.due_at, payload = EXCLUDED.payload, status = 'pending',
       next_attempt_at = EXCLUDED.due_at, claimed_by = NULL, claimed_until = NULL, claim_token = NULL,
       attempts = 0, last_error = NULL, scheduled_at = EXCLUDED.scheduled_at, fired_at = NULL`,
    [distinct.map((t) => t.id), distinct.map((t) => t.kind), distinct.map((t) => t.dueAt), distinct.map((t) => JSON.stringify(t.payload ?? {})), now],
  );
};
