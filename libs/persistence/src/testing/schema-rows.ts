import { Client } from 'pg';

/**
 * Every row of a schema as text, table by table, each table's rows sorted: what a test compares
 * before and after something that must write nothing there (a start refused for its settings).
 */
export const schemaRows = async (url: string, schema: string): Promise<Record<string, string[]>> => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const tables = (await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1`, [schema])).rows as {
      table_name: string;
    }[];
    const rows: Record<string, string[]> = {};
    for (const { table_name } of tables) {
      const found = (await client.query(`SELECT row_to_json(t)::text AS row FROM "${schema}"."${table_name}" t`)).rows as { row: string }[];
      rows[table_name] = found.map((r) => r.row).sort();
    }
    return rows;
  } finally {
    await client.end();
  }
};
