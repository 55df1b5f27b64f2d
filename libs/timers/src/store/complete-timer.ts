import { rowsOf, type Queryable } from './sql';

/**
 * Fires a claimed timer: deletes it in the transaction of the handler's effect (docs/adr/0059), so
 * both commit or neither does. False when the claim is no longer this one's (lease ended and
 * another claimer took it, re-targeted, cancelled): the caller must roll back. The row stays
 * locked until commit, so no other claimer can take it meanwhile.
 */
export const completeTimer = async (tx: Queryable, schema: string, args: { id: string; token: string }): Promise<boolean> =>
  rowsOf(
    await tx.query(`DELETE FROM "${schema}".timers WHERE id = $1 AND claim_token = $2 AND status = 'pending' RETURNING id`, [args.id, args.token]),
  ).length === 1;
