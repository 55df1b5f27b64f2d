import type { DataSource } from 'typeorm';
import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { messagingMigrations } from '../src/outbox/messaging-migrations';
import { UnitOfWork } from '../src/outbox/unit-of-work';

/** The unit of work no longer names its isolation level (one statement less, issue #8): it must still be READ COMMITTED. */
describe('UnitOfWork', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('unit_of_work');
    dataSource = createServiceDataSource({ url: db.url, schema: 'uow', migrations: messagingMigrations('uow') });
    await initializeAndMigrate(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('runs its work in one READ COMMITTED transaction', async () => {
    const seen = await new UnitOfWork(dataSource).run(async (tx) => {
      const [isolation] = (await tx.query('SHOW transaction_isolation')) as { transaction_isolation: string }[];
      const [first] = (await tx.query('SELECT txid_current() AS id')) as { id: string }[];
      const [second] = (await tx.query('SELECT txid_current() AS id')) as { id: string }[];
      return { isolation: isolation.transaction_isolation, sameTransaction: first.id === second.id };
    });
    expect(seen).toEqual({ isolation: 'read committed', sameTransaction: true });
  });

  it('runs a deadlock victim again, so both of two crossing transactions commit', async () => {
    await dataSource.query('CREATE TABLE uow.pair (id int PRIMARY KEY, v int NOT NULL)');
    await dataSource.query('INSERT INTO uow.pair VALUES (1, 0), (2, 0)');
    const uow = new UnitOfWork(dataSource);
    // Each takes one row, waits until the other holds its row, then takes the other's: a deadlock.
    let held = 0;
    let bothHeld: () => void = () => undefined;
    const barrier = new Promise<void>((resolve) => (bothHeld = resolve));
    const runs = { a: 0, b: 0 };
    const crossing = (name: 'a' | 'b', first: number, second: number) =>
      uow.run(async (tx) => {
        runs[name] += 1;
        await tx.query('UPDATE uow.pair SET v = v + 1 WHERE id = $1', [first]);
        if (runs[name] === 1) {
          held += 1;
          if (held === 2) bothHeld();
          await barrier;
        }
        await tx.query('UPDATE uow.pair SET v = v + 1 WHERE id = $1', [second]);
      });
    await Promise.all([crossing('a', 1, 2), crossing('b', 2, 1)]);
    // One of them was the victim and ran twice; each committed exactly once.
    expect(runs.a + runs.b).toBe(3);
    expect(await dataSource.query('SELECT id, v FROM uow.pair ORDER BY id')).toEqual([
      { id: 1, v: 2 },
      { id: 2, v: 2 },
    ]);
  });

  it('does not run other failures again', async () => {
    let runs = 0;
    await expect(
      new UnitOfWork(dataSource).run(async (tx) => {
        runs += 1;
        await tx.query('SELECT 1 / 0');
      }),
    ).rejects.toThrow(/division by zero/);
    expect(runs).toBe(1);
  });
});
