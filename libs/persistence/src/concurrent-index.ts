import { assertSchemaName } from './schema-name';

/** Anything that runs SQL outside a transaction: a migration's query runner (`transaction = false`). */
interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/**
 * Builds `<schema>.<name>` CONCURRENTLY (writes go on meanwhile), as a migration that runs outside
 * a transaction does. A build cut short (a killed process, a failed unique check) leaves an invalid
 * index of that name, which `IF NOT EXISTS` would keep and the planner never use: it is dropped
 * first. `on` is the rest of the statement: `table (columns) [WHERE …]`, the table in `schema`.
 */
export const createIndexConcurrently = async (db: Queryable, schema: string, name: string, on: string): Promise<void> => {
  const qualified = `${assertSchemaName(schema)}.${assertSchemaName(name, 'index name')}`;
  const [left] = (await db.query(`SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass($1)`, [qualified])) as { valid: boolean }[];
  if (left && !left.valid) await db.query(`DROP INDEX CONCURRENTLY ${qualified}`);
  await db.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON ${schema}.${on}`);
};
