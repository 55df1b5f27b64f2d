import type { Queryable } from './sql';

/** Gives a claimed timer back after a failed attempt, claimable again at `retryAt`. */
export const releaseTimer = async (db: Queryable, schema: string, args: { id: string; token: string; retryAt: Date; error: string }): Promise<void> => {
  await db.query(
    `UPDATE "${schema}".timers
     SET claimed_by = NULL, claimed_until = NULL, claim_token = NULL, next_attempt_at = $3, last_error = $4
     WHERE id = $1 AND claim_token = $2 AND status = 'pending'`,
    [args.id, args.token, args.retryAt, args.error],
  );
};
