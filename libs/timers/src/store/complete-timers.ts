import { rowsOf, type Queryable } from './sql';

/**
 * `completeTimer` for a batch, in one statement: deletes every timer whose claim is still the
 * caller's and returns their ids; the others (re-targeted, cancelled, lease ended and taken by
 * another claimer) are left alone and must not fire here. Holds what it deletes until commit.
 */
export const completeTimers = async (tx: Queryable, schema: string, args: { claims: readonly { id: string; token: string }[] }): Promise<Set<string>> => {
  if (args.claims.length === 0) return new Set();
  const rows = rowsOf<{ id: string }>(
    await tx.query(
      `DELETE FROM "${schema}".timers t
       USING unnest($1::text[], $2::uuid[]) AS c(id, token)
       WHERE t.id = c.id AND t.claim_token = c.token AND t.status = 'pending'
       RETURNING t.id`,
      [args.claims.map((c) => c.id), args.claims.map((c) => c.token)],
    ),
  );
  return new Set(rows.map((r) => r.id));
};
