import { rowsOf, type Queryable, type TimerRow } from './sql';

/**
 * Claims up to `limit` timers claimable at `now`, earliest first, with a lease of `leaseMs`: rows
 * other claimers hold are skipped, not waited for. A claimer that dies leaves its rows to be
 * claimed again when the lease ends (`next_attempt_at` is the lease's end meanwhile).
 */
export const claimDueTimers = async (
  db: Queryable,
  schema: string,
  args: { now: Date; limit: number; leaseMs: number; owner: string; token: string },
): Promise<TimerRow[]> => {
  const rows = rowsOf<TimerRow>(
    await db.query(
      `WITH due AS (
         SELECT id FROM "${schema}".timers
         WHERE status = 'pending' AND next_attempt_at <= $1
         ORDER BY next_attempt_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED
       )
       UPDATE "${schema}".timers t
       SET claimed_by = $3, claim_token = $4, attempts = t.attempts + 1,
           claimed_until = $1::timestamptz + $5 * interval '1 millisecond',
           next_attempt_at = $1::timestamptz + $5 * interval '1 millisecond'
       FROM due WHERE t.id = due.id
       RETURNING t.id, t.kind, t.due_at, t.payload, t.attempts, t.claim_token`,
      [args.now, args.limit, args.owner, args.token, args.leaseMs],
    ),
  );
  // RETURNING keeps no order.
  return rows.sort((a, b) => a.due_at.getTime() - b.due_at.getTime() || (a.id < b.id ? -1 : 1));
};
