import type { TestPlatform } from './test-platform';

/**
 * Which tables, of every schema in the platform's database, hold `needle` in clear: each row as
 * JSON text, and each bytea column also as its bytes (the in-process log keeps event data as
 * bytes). What a dump, or a backup, would show (P9: "destruction must hold against copies").
 */
export const tablesHolding = async (platform: Pick<TestPlatform, 'query'>, needle: string): Promise<string[]> => {
  const q = <T>(sql: string, params: unknown[] = []) => platform.query<T>('notification', sql, params);
  const tables = await q<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
      WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'`,
  );
  const holding: string[] = [];
  for (const t of tables) {
    const byteColumns = await q<{ name: string }>(`SELECT column_name AS name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND data_type = 'bytea'`, [
      t.schema,
      t.name,
    ]);
    const asText = [`row_to_json(t)::text`, ...byteColumns.map((c) => `coalesce(encode(t."${c.name}", 'escape'), '')`)].join(` || ' ' || `);
    const [{ n }] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM "${t.schema}"."${t.name}" t WHERE strpos(${asText}, $1) > 0`, [needle]);
    if (n > 0) holding.push(`${t.schema}.${t.name}`);
  }
  return holding;
};
