import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createServiceDataSource, initializeAndMigrate } from '../src/data-source';
import { createTestDatabase, type TestDatabase } from '../src/testing';

const SCHEMA = 'racing_replicas';

class CreateWidgets1700000000000 implements MigrationInterface {
  name = 'CreateWidgets1700000000000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "${SCHEMA}".widgets (id int PRIMARY KEY)`);
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "${SCHEMA}".widgets`);
  }
}

class AddWidgetLabel1700000001000 implements MigrationInterface {
  name = 'AddWidgetLabel1700000001000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "${SCHEMA}".widgets ADD COLUMN label text NOT NULL DEFAULT ''`);
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "${SCHEMA}".widgets DROP COLUMN label`);
  }
}

// Replicas that migrate on start (MIGRATE_ON_START, the in-process transport's log) may start at
// the same instant on a fresh database: each must come up, and each migration run once.
describe('migrations of replicas starting together', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('concurrent_migrations', { from: 'empty' });
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('lets four replicas migrate one fresh schema at once: all start, every migration is applied once', async () => {
    const replicas = Array.from({ length: 4 }, () =>
      createServiceDataSource({ url: db.url, schema: SCHEMA, migrations: [CreateWidgets1700000000000, AddWidgetLabel1700000001000], poolSize: 2 }),
    );
    try {
      const applied = await Promise.all(replicas.map((replica) => initializeAndMigrate(replica)));
      // One replica applied both; the others found nothing pending once they had the lock.
      expect(applied.flat().sort()).toEqual(['AddWidgetLabel1700000001000', 'CreateWidgets1700000000000']);
      const rows = (await replicas[0].query(`SELECT name FROM "${SCHEMA}".schema_migrations ORDER BY name`)) as { name: string }[];
      expect(rows.map((r) => r.name)).toEqual(['AddWidgetLabel1700000001000', 'CreateWidgets1700000000000']);
      await replicas[1].query(`INSERT INTO "${SCHEMA}".widgets (id, label) VALUES (1, 'one')`);
    } finally {
      await Promise.all(replicas.map((replica) => (replica.isInitialized ? replica.destroy() : undefined)));
    }
  });
});
