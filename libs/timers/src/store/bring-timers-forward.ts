/**
 * SQL for a data-modifying `WITH` step of a caller's statement: the pending timers whose ids the
 * caller's earlier step `from` lists (column `timerIdColumn`), already locked by it (e.g. `FOR
 * UPDATE SKIP LOCKED`, so the caller never waits for the timer worker), brought forward to `now`
 * (a parameter such as `$2`): what scheduling each anew at `now` writes (`schedule`), except that
 * an earlier due time is kept, and any claim on it void. It returns `returning` (columns of `from`).
 * The timers table's columns stay this library's to know.
 */
export const bringTimersForwardSql = (schema: string, args: { from: string; timerIdColumn: string; now: string; returning: string }): string =>
  `UPDATE "${schema}".timers t SET due_at = least(t.due_at, ${args.now}), next_attempt_at = least(t.next_attempt_at, ${args.now}), scheduled_at = ${args.now},
          claimed_by = NULL, claimed_until = NULL, claim_token = NULL
     FROM ${args.from} WHERE t.id = ${args.from}.${args.timerIdColumn} AND t.status = 'pending'
   RETURNING ${args.returning}`;
