import { Client } from 'pg';
import { createServiceDataSource } from '../src/data-source';
import { prepared, preparedName, usePreparedStatements } from '../src/prepared-statements';
import { inTransaction } from '../src/transaction';
import { createTestDatabase, type TestDatabase } from '../src/testing';

// docs/adr/0058: a text marked `prepared` runs as a named statement on every pg client.
describe('prepared statements (docs/adr/0058)', () => {
  let db: TestDatabase;
  let client: Client;

  const preparedHere = async (): Promise<{ name: string; statement: string; generic_plans: string }[]> =>
    (await client.query<{ name: string; statement: string; generic_plans: string }>('SELECT name, statement, generic_plans FROM pg_prepared_statements ORDER BY name')).rows;

  beforeAll(async () => {
    db = await createTestDatabase('prepared_statements', { from: 'empty' });
    usePreparedStatements();
    client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query('CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL)');
    await client.query(`INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g`);
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('runs a marked text with parameters as a named statement, planned generically after a few runs', async () => {
    const text = prepared('SELECT label FROM items WHERE id = $1');
    for (let id = 1; id <= 8; id += 1) expect((await client.query(text, [id])).rows).toEqual([{ label: `item ${id}` }]);
    const [statement] = await preparedHere();
    expect(statement).toMatchObject({ name: preparedName(text), statement: text });
    // Planned once for all: PostgreSQL switched to its generic plan after five custom ones.
    expect(Number(statement.generic_plans)).toBeGreaterThan(0);
  });

  it('leaves unmarked texts and texts without parameters unnamed', async () => {
    const before = (await preparedHere()).length;
    expect((await client.query('SELECT label FROM items WHERE id = $1', [2])).rows).toEqual([{ label: 'item 2' }]);
    const bare = prepared('SELECT count(*)::int AS n FROM items');
    expect((await client.query(bare)).rows).toEqual([{ n: 100 }]);
    expect((await client.query(bare, [])).rows).toEqual([{ n: 100 }]);
    expect(await preparedHere()).toHaveLength(before);
  });

  it('keeps TypeORM’s results and errors for a marked statement run through a data source', async () => {
    const dataSource = createServiceDataSource({ url: db.url, schema: 'public', poolSize: 1 });
    await dataSource.initialize();
    try {
      const update = prepared('UPDATE items SET label = $2 WHERE id = $1 RETURNING id');
      // TypeORM answers an UPDATE as [rows, affected]: still so when the statement is prepared.
      const result = await inTransaction(dataSource, (tx) => tx.query(update, [3, 'renamed']));
      expect(result).toEqual([[{ id: 3 }], 1]);
      const names = (await dataSource.query('SELECT name FROM pg_prepared_statements')) as { name: string }[];
      expect(names.map((n) => n.name)).toContain(preparedName(update));
      const insert = prepared('INSERT INTO items (id, label) VALUES ($1, $2)');
      await expect(dataSource.query(insert, [3, 'again'])).rejects.toMatchObject({ name: 'QueryFailedError', driverError: expect.objectContaining({ code: '23505' }) });
    } finally {
      await dataSource.destroy();
    }
  });

  it('prepares a statement again when a migration changed its tables under it', async () => {
    await client.query('CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)');
    await client.query(`INSERT INTO notes VALUES (1, 'first')`);
    const text = prepared('SELECT * FROM notes WHERE id = $1');
    expect((await client.query(text, [1])).rows).toEqual([{ id: 1, body: 'first' }]);
    const first = preparedName(text);
    await client.query('ALTER TABLE notes ADD COLUMN author text');
    // PostgreSQL refuses the cached statement once; the next run prepares it under a new name.
    await expect(client.query(text, [1])).rejects.toThrow(/cached plan must not change result type/);
    expect((await client.query(text, [1])).rows).toEqual([{ id: 1, body: 'first', author: null }]);
    expect(preparedName(text)).not.toBe(first);
  });
});
