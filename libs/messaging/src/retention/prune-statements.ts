import type { DataSource } from 'typeorm';

export type PrunedTable = 'outbox' | 'inbox' | 'dead_letters';

/**
 * The keys of one batch of a table's expired rows (`$1` the cutoff, `$2` the batch size), read
 * through the retention indexes (docs/adr/0032). No ORDER BY: any expired rows will do, and
 * without one a schema whose retention indexes are not there yet still stops scanning at the
 * batch's last row (old rows lie first in the heap) instead of sorting the whole table.
 * `SKIP LOCKED`: rows another replica's pass holds are left to it.
 */
export const EXPIRED_KEYS_SQL: Record<PrunedTable, (schema: string) => string> = {
  // Published rows only: an unpublished row is the relay's, however old.
  outbox: (s) => `SELECT position FROM "${s}".outbox WHERE published_at IS NOT NULL AND published_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED`,
  inbox: (s) => `SELECT consumer_group, event_id FROM "${s}".inbox WHERE handled_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED`,
  // Settled (replayed or skipped) only: a parked dead letter waits for an operator, however old.
  dead_letters: (s) => `SELECT id FROM "${s}".dead_letters WHERE status <> 'parked' AND resolved_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED`,
};

const KEY: Record<PrunedTable, string> = { outbox: 'position', inbox: '(consumer_group, event_id)', dead_letters: 'id' };

/**
 * Deletes one batch as a statement of its own (autocommit): it locks only the rows it deletes,
 * for as long as the statement. Returns how many rows went.
 */
export const pruneBatch = async (dataSource: DataSource, schema: string, table: PrunedTable, cutoff: Date, batchSize: number): Promise<number> => {
  const result = (await dataSource.query(`DELETE FROM "${schema}".${table} WHERE ${KEY[table]} IN (${EXPIRED_KEYS_SQL[table](schema)})`, [cutoff, batchSize])) as unknown;
  // TypeORM's PostgreSQL driver hands a DELETE back as [rows, rowCount].
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
};

export const PRUNED_TABLES: readonly PrunedTable[] = ['outbox', 'inbox', 'dead_letters'];
