import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createServiceDataSource } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { QueueSearch1765000300000 } from '../../src/store/migrations/1765000300000-queue-search';
import { QueueOpenViewOrder1765606861000 } from '../../src/store/migrations/1765606861000-queue-open-view-order';
import { QueueOwedOnOpenIndexes1765606870000 } from '../../src/store/migrations/1765606870000-queue-owed-on-open-indexes';
import { INTAKE_SCHEMA } from '../../src/store/ticket.store';
import { insertTicketRow } from './support/ticket-rows';

// A migration is reversible (docs/adr/0005): down, then up again, on a database with tickets in it.
describe('migration 1765000300000 (queue and search)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('queue_search_migration');
    dataSource = createServiceDataSource({ url: db.url, schema: INTAKE_SCHEMA, entities: [], migrations: [], poolSize: 2 });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('reverts and re-applies, and re-applying fills the search document and queue due time of existing tickets', async () => {
    const migration = new QueueSearch1765000300000();
    // The later migrations on its queue indexes are reverted first, newest first, and re-applied after it.
    const later = [new QueueOpenViewOrder1765606861000(), new QueueOwedOnOpenIndexes1765606870000()];
    const runner = dataSource.createQueryRunner();
    try {
      for (const m of [...later].reverse()) await m.down(runner);
      await migration.down(runner);
      const columns = async () =>
        (await dataSource.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'tickets'`, [INTAKE_SCHEMA])).map(
          (c: { column_name: string }) => c.column_name,
        );
      expect(await columns()).not.toContain('queue_due_at');
      const id = await insertTicketRow((sql, p) => dataSource.query(sql, p), {
        partnerId: randomUUID(),
        receivedAt: new Date('2026-03-01T00:00:00.000Z'),
        subject: 'Reader crashes',
        level: 'emergency',
      });
      expect((await dataSource.query(`SELECT search_document FROM ${INTAKE_SCHEMA}.tickets WHERE id = $1`, [id]))[0].search_document).toBeNull();

      await migration.up(runner);
      for (const m of later) await m.up(runner);
      expect(await columns()).toEqual(expect.arrayContaining(['queue_due_at', 'response_clock_id']));
      const [row] = await dataSource.query(
        `SELECT queue_due_at, search_document @@ websearch_to_tsquery('pg_catalog.russian', 'crash') AS found FROM ${INTAKE_SCHEMA}.tickets WHERE id = $1`,
        [id],
      );
      expect(row).toEqual({ queue_due_at: new Date('2026-03-01T06:00:00.000Z'), found: true });
    } finally {
      await runner.release();
    }
  });
});
