import type { Queryable } from './sql';

/**
 * Deletes one batch of timers fired before `cutoff` (`timers_fired_at`), as a statement of its
 * own: it locks only the rows it deletes, for as long as the statement. `SKIP LOCKED`: rows a
 * replica's firing or pass holds are left to it. Pending timers are never touched; a cancelled
 * timer is deleted when it is cancelled. Returns how many rows went.
 */
export const pruneFiredTimers = async (db: Queryable, schema: string, cutoff: Date, batchSize: number): Promise<number> => {
  const result = await db.query(
    `DELETE FROM "${schema}".timers WHERE id IN (
       SELECT id FROM "${schema}".timers WHERE status = 'fired' AND fired_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    [cutoff, batchSize],
  );
  // TypeORM's PostgreSQL driver hands a DELETE back as [rows, rowCount].
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
};
