import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';

/**
 * Every service's migrations, run on a new database (the test template is made that way), leave no
 * table recorded as analysed while empty (docs/performance.md, eleventh session). PostgreSQL plans
 * for a table known to be empty (`reltuples` 0) as for one row, and each pooled connection keeps
 * such generic plans until the table is analysed again; a table never analysed (-1) is assumed to
 * hold at least ten pages. An `ANALYZE` in a migration must therefore skip an empty table.
 */
describe("a fresh install's statistics", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('fresh_install_statistics');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('no table of any service is recorded as analysed while empty', async () => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string; reltuples: number }>(
        `SELECT n.nspname || '.' || c.relname AS name, c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
            AND c.reltuples = 0
          ORDER BY 1`,
      );
      const tables = (await client.query<{ n: string }>(`SELECT count(*) AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`)).rows[0].n;
      // The check has something to look at: every service's tables are there.
      expect(Number(tables)).toBeGreaterThan(50);
      expect(rows).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
