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
});
