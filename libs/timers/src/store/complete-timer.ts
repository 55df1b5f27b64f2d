import { rowsOf, type Queryable } from './sql';

/**
 * Marks a claimed timer fired, in the transaction of the handler's effect, so both commit or
 * neither does. False when the claim is no longer this one's (lease ended and another claimer
 * took it, re-targeted, cancelled): the caller must roll back. The row stays locked until commit,
 * so no other claimer can take it meanwhile.
 */
export const completeTimer = async (tx: Queryable, schema: string, args: { id: string; token: string; now: Date }): Promise<boolean> =>
  rowsOf(
    await tx.query(
      `UPDATE "${schema}".timers
       SET status = 'fired', fired_at = $3, claimed_by = NULL, claimed_until = NULL, claim_token = NULL, last_error = NULL
       WHERE id = $1 AND claim_token = $2 AND status = 'pending'
       RETURNING id`,
      [args.id, args.token, args.now],
    ),
  ).length === 1;
