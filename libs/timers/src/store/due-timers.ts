import { rowsOf, type Queryable } from './sql';

/** Claimable pending timers at `now`, counted up to `cap` along the partial index, and the earliest one's claimable time. */
export const dueTimers = async (db: Queryable, schema: string, now: Date, cap: number): Promise<{ count: number; earliest?: Date }> => {
  const row = rowsOf<{ count: number; earliest: Date | null }>(
    await db.query(
      `SELECT count(*)::int AS count, min(next_attempt_at) AS earliest FROM (
         SELECT next_attempt_at FROM "${schema}".timers
         WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2
       ) AS due`,
      [now, cap],
    ),
  )[0];
  return { count: row?.count ?? 0, earliest: row?.earliest ?? undefined };
};
