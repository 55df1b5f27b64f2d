import { rowsOf, type Queryable, type TimerRow } from './sql';

type FiredRow = Omit<TimerRow, 'claim_token'>;

/**
 * Claims and fires, in one statement of the caller's transaction, up to `limit` timers due at
 * `now`, earliest first, skipping rows other claimers hold: a fired timer is deleted (docs/adr/0059),
 * as graphile-worker deletes a job that succeeded. No lease is needed: the rows stay locked until
 * the transaction ends, and if it rolls back (a handler threw, the replica died) they are pending
 * and due again, exactly as before. A delete writes no new row version and no index entry, where
 * marking the row fired wrote both; and the claim needs no round trip of its own: the worker's hot
 * path in a burst.
 * `attempts` comes back counting this one.
 *
 * `lock`: a `SELECT … FOR UPDATE` over `fired` (the claimed timers) with one `json` column, `row`,
 * run in the same statement, after the claim (docs/adr/0054); its rows come back as `locked`.
 */
export const fireDueTimers = async (
  tx: Queryable,
  schema: string,
  args: { now: Date; limit: number; lock?: (fired: string) => string },
): Promise<{ timers: FiredRow[]; locked: unknown[] }> => {
  // The delete finds its rows by the `ctid`s the claim locked: no descent of the primary key per
  // timer. A locked row cannot be updated or moved by anyone else, so its `ctid` holds until the
  // delete, in the same statement.
  const claim = `due AS (
         SELECT ctid FROM "${schema}".timers
         WHERE status = 'pending' AND next_attempt_at <= $1
         ORDER BY next_attempt_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED
       )`;
  const fire = `DELETE FROM "${schema}".timers t
       WHERE t.ctid = ANY(ARRAY(SELECT ctid FROM due))
       RETURNING t.id, t.kind, t.due_at, t.payload, t.attempts + 1 AS attempts`;
  let timers: FiredRow[];
  let locked: unknown[] = [];
  if (args.lock) {
    const rows = rowsOf<FiredRow & { locked: unknown }>(
      await tx.query(
        `WITH ${claim}, fired AS (${fire}), locked AS (${args.lock('fired')})
         SELECT id, kind, due_at, payload, attempts, NULL::json AS locked FROM fired
         UNION ALL
         SELECT NULL, NULL, NULL, NULL, NULL, row FROM locked`,
        [args.now, args.limit],
      ),
    );
    timers = rows.filter((row) => row.locked === null);
    locked = rows.filter((row) => row.locked !== null).map((row) => row.locked);
  } else {
    timers = rowsOf<FiredRow>(await tx.query(`WITH ${claim} ${fire}`, [args.now, args.limit]));
  }
  timers.sort((a, b) => a.due_at.getTime() - b.due_at.getTime() || (a.id < b.id ? -1 : 1));
  return { timers, locked };
};
