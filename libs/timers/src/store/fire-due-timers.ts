import { rowsOf, type Queryable, type TimerRow } from './sql';

/**
 * Claims and marks fired, in one statement of the caller's transaction, up to `limit` timers due
 * at `now`, earliest first, skipping rows other claimers hold. No lease is needed: the rows stay
 * locked until the transaction ends, and if it rolls back (a handler threw, the replica died)
 * they are pending and due again, exactly as before. One write per timer instead of two (a claim,
 * then a completion) and no separate claim round trip: the worker's hot path in a burst.
 */
export const fireDueTimers = async (tx: Queryable, schema: string, args: { now: Date; limit: number }): Promise<Omit<TimerRow, 'claim_token'>[]> => {
  const rows = rowsOf<Omit<TimerRow, 'claim_token'>>(
    await tx.query(
      `WITH due AS (
         SELECT id FROM "${schema}".timers
         WHERE status = 'pending' AND next_attempt_at <= $1
         ORDER BY next_attempt_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED
       )
       UPDATE "${schema}".timers t
       SET status = 'fired', fired_at = $1, attempts = t.attempts + 1,
           claimed_by = NULL, claimed_until = NULL, claim_token = NULL, last_error = NULL
       FROM due WHERE t.id = due.id
       RETURNING t.id, t.kind, t.due_at, t.payload, t.attempts`,
      [args.now, args.limit],
    ),
  );
  return rows.sort((a, b) => a.due_at.getTime() - b.due_at.getTime() || (a.id < b.id ? -1 : 1));
};
