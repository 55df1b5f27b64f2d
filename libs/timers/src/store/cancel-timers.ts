import { rowsOf, type Queryable } from './sql';

/**
 * `cancelTimer` for many ids in one statement: deletes those still pending and returns their ids.
 * Fired or unknown ids are left alone; a timer whose handler is running is waited for, as there.
 */
export const cancelTimers = async (tx: Queryable, schema: string, ids: readonly string[]): Promise<Set<string>> => {
  if (ids.length === 0) return new Set();
  const rows = rowsOf<{ id: string }>(
    await tx.query(`DELETE FROM "${schema}".timers WHERE id = ANY($1::text[]) AND status = 'pending' RETURNING id`, [[...new Set(ids)]]),
  );
  return new Set(rows.map((r) => r.id));
};
