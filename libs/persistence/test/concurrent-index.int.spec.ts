import { Client } from 'pg';
import { createIndexConcurrently } from '../src/concurrent-index';
import { createTestDatabase, type TestDatabase } from '../src/testing';

/**
 * The index migrations that run outside a transaction (docs/adr/0027, 0030, 0034, 0035 addenda of
 * 2026-12-05) build through this helper: it must leave a valid index whatever an earlier, cut-short
 * build left, and change nothing when the index is there.
 */
describe('createIndexConcurrently', () => {
  let db: TestDatabase;
  let pg: Client;
  // What a migration's query runner is: rows back.
  const runner = { query: async (sql: string, params?: unknown[]) => (await pg.query(sql, params)).rows };
  const valid = async (name: string) =>
    (await pg.query<{ valid: boolean; definition: string }>(`SELECT indisvalid AS valid, pg_get_indexdef(indexrelid) AS definition FROM pg_index WHERE indexrelid = to_regclass($1)`, [name])).rows;

  beforeAll(async () => {
    db = await createTestDatabase('concurrent_index', { from: 'empty' });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    await pg.query(`CREATE SCHEMA widgets_app`);
    await pg.query(`CREATE TABLE widgets_app.widgets (id int PRIMARY KEY, colour text NOT NULL)`);
    await pg.query(`INSERT INTO widgets_app.widgets VALUES (1, 'red'), (2, 'red'), (3, 'blue')`);
  });

  afterAll(async () => {
    await pg?.end();
    await db?.drop();
  });

  it('replaces the invalid index a build cut short left under the name, which IF NOT EXISTS alone keeps', async () => {
    // A unique build over duplicates fails half-way: PostgreSQL leaves the index, marked invalid.
    await expect(pg.query(`CREATE UNIQUE INDEX CONCURRENTLY widgets_colour ON widgets_app.widgets (colour)`)).rejects.toThrow(/could not create unique index/);
    expect(await valid('widgets_app.widgets_colour')).toEqual([{ valid: false, definition: expect.stringContaining('UNIQUE') }]);

    await createIndexConcurrently(runner, 'widgets_app', 'widgets_colour', 'widgets (colour) WHERE colour <> $$grey$$');

    expect(await valid('widgets_app.widgets_colour')).toEqual([
      { valid: true, definition: `CREATE INDEX widgets_colour ON widgets_app.widgets USING btree (colour) WHERE (colour <> 'grey'::text)` },
    ]);
  });

  it('keeps a valid index as it is (a migration run again after its build)', async () => {
    const before = (await pg.query<{ oid: number }>(`SELECT to_regclass('widgets_app.widgets_colour')::oid AS oid`)).rows[0].oid;
    await createIndexConcurrently(runner, 'widgets_app', 'widgets_colour', 'widgets (colour) WHERE colour <> $$grey$$');
    expect((await pg.query<{ oid: number }>(`SELECT to_regclass('widgets_app.widgets_colour')::oid AS oid`)).rows[0].oid).toBe(before);
  });

  it('refuses a schema or index name that is not a plain identifier', async () => {
    await expect(createIndexConcurrently(runner, 'widgets_app; DROP TABLE x', 'i', 'widgets (colour)')).rejects.toThrow(/invalid schema name/);
    await expect(createIndexConcurrently(runner, 'widgets_app', 'Widgets Colour', 'widgets (colour)')).rejects.toThrow(/invalid index name/);
  });
});
