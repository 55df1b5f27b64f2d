import type { DataSource } from 'typeorm';

export type PrunedTable = 'outbox' | 'inbox' | 'dead_letters';

/**
 * One batch of each table's expired rows, oldest first, through the retention indexes. Each runs
 * as a statement of its own (autocommit): it locks only the rows it deletes, for as long as the
 * statement, and skips rows another replica's pass holds. `$1` is the cutoff, `$2` the batch size.
 */
const PRUNE_SQL: Record<PrunedTable, (schema: string) => string> = {
  // Published rows only: an unpublished row is the relay's, however old.
  outbox: (s) => `DELETE FROM "${s}".outbox WHERE position IN (
      SELECT position FROM "${s}".outbox WHERE published_at IS NOT NULL AND published_at < $1
      ORDER BY published_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  inbox: (s) => `DELETE FROM "${s}".inbox WHERE (consumer_group, event_id) IN (
      SELECT consumer_group, event_id FROM "${s}".inbox WHERE handled_at < $1
      ORDER BY handled_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  // Settled (replayed or skipped) only: a parked dead letter waits for an operator, however old.
  dead_letters: (s) => `DELETE FROM "${s}".dead_letters WHERE id IN (
      SELECT id FROM "${s}".dead_letters WHERE status <> 'parked' AND resolved_at < $1
      ORDER BY resolved_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
};

/** Deletes one batch; returns how many rows went. */
export const pruneBatch = async (dataSource: DataSource, schema: string, table: PrunedTable, cutoff: Date, batchSize: number): Promise<number> => {
  const result = (await dataSource.query(PRUNE_SQL[table](schema), [cutoff, batchSize])) as unknown;
  // TypeORM's PostgreSQL driver hands a DELETE back as [rows, rowCount].
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
};

export const PRUNED_TABLES: readonly PrunedTable[] = ['outbox', 'inbox', 'dead_letters'];
