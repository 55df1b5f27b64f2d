import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { assertSchemaCompatible, recordCompatibilityFloor, removeCompatibilityFloors, SchemaNeedsNewerRelease } from '../src/compatibility-floors';
import { createServiceDataSource, initializeAndMigrate } from '../src/data-source';
import { createTestDatabase, type TestDatabase } from '../src/testing';

const SCHEMA = 'floored';

class CreateWidgets1700000000000 implements MigrationInterface {
  name = 'CreateWidgets1700000000000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "${SCHEMA}".widgets (id int PRIMARY KEY, label text)`);
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "${SCHEMA}".widgets`);
  }
}

/** Expand-only: older code keeps inserting widgets without a colour. */
class AddWidgetColour1700000001000 implements MigrationInterface {
  name = 'AddWidgetColour1700000001000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "${SCHEMA}".widgets ADD COLUMN colour text NOT NULL DEFAULT 'grey'`);
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "${SCHEMA}".widgets DROP COLUMN colour`);
  }
}

/** A contract: older code inserts widgets without a label, which now fails. So it records a floor. */
class RequireWidgetLabel1700000002000 implements MigrationInterface {
  name = 'RequireWidgetLabel1700000002000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE "${SCHEMA}".widgets SET label = '' WHERE label IS NULL`);
    await queryRunner.query(`ALTER TABLE "${SCHEMA}".widgets ALTER COLUMN label SET NOT NULL`);
    await recordCompatibilityFloor(queryRunner, SCHEMA, { migration: this.name, recordedBy: this.name, reason: 'widgets.label is NOT NULL without a default' });
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await removeCompatibilityFloors(queryRunner, SCHEMA, this.name);
    await queryRunner.query(`ALTER TABLE "${SCHEMA}".widgets ALTER COLUMN label DROP NOT NULL`);
  }
}

const FIRST = [CreateWidgets1700000000000];
const EXPANDED = [CreateWidgets1700000000000, AddWidgetColour1700000001000];
const CONTRACTED = [CreateWidgets1700000000000, AddWidgetColour1700000001000, RequireWidgetLabel1700000002000];

// docs/operations.md "Upgrade and rollback": old code runs on the newer schema during a roll and
// after a rollback. It may, over expand-only migrations; a contract migration's floor stops it.
describe('compatibility floors: a release refuses a schema a contract migration it lacks has changed', () => {
  let db: TestDatabase;
  const opened: DataSource[] = [];
  const release = (migrations: (new () => MigrationInterface)[]): DataSource => {
    const dataSource = createServiceDataSource({ url: db.url, schema: SCHEMA, migrations, poolSize: 1 });
    opened.push(dataSource);
    return dataSource;
  };

  beforeAll(async () => {
    db = await createTestDatabase('compatibility_floors', { from: 'empty' });
  });

  afterAll(async () => {
    for (const dataSource of opened) if (dataSource.isInitialized) await dataSource.destroy();
    await db?.drop();
  });

  it('a fresh schema has no floor: the first release migrates it', async () => {
    expect(await initializeAndMigrate(release(FIRST))).toEqual(['CreateWidgets1700000000000']);
  });

  it('an older release runs on a schema expand-only migrations it does not know have changed', async () => {
    expect(await initializeAndMigrate(release(EXPANDED))).toEqual(['AddWidgetColour1700000001000']);

    const older = release(FIRST);
    await expect(initializeAndMigrate(older)).resolves.toEqual([]);
    await expect(assertSchemaCompatible(older)).resolves.toBeUndefined();
    await older.query(`INSERT INTO "${SCHEMA}".widgets (id) VALUES (1)`);
  });

  it('an older release refuses, before migrating, a schema whose floor names a migration it does not have', async () => {
    expect(await initializeAndMigrate(release(CONTRACTED))).toEqual(['RequireWidgetLabel1700000002000']);

    // Both the migrating start (MIGRATE_ON_START, the migrate command) and the plain one.
    for (const older of [release(FIRST), release(EXPANDED)]) {
      const refusal = await initializeAndMigrate(older).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(SchemaNeedsNewerRelease);
      expect(refusal).toMatchObject({ schema: SCHEMA, floors: [{ migration: 'RequireWidgetLabel1700000002000', recordedBy: 'RequireWidgetLabel1700000002000' }] });
      const newest = older.migrations.at(-1)?.name;
      expect((refusal as Error).message).toBe(
        `schema ${SCHEMA} needs a newer release: it requires migration RequireWidgetLabel1700000002000 (recorded by RequireWidgetLabel1700000002000: widgets.label is NOT NULL without a default), ` +
          `which this release does not have (its newest migration of ${SCHEMA} is ${newest}). This release cannot run on this schema. ` +
          `Roll forward to a release that has RequireWidgetLabel1700000002000, or, to run this release, restore the database backup taken before the upgrade ` +
          `that applied it (docs/operations.md, "Upgrade and rollback").`,
      );
      await expect(assertSchemaCompatible(older)).rejects.toBeInstanceOf(SchemaNeedsNewerRelease);
    }

    // The release that has the migration, and any later one, runs.
    const current = release(CONTRACTED);
    await expect(initializeAndMigrate(current)).resolves.toEqual([]);
    await expect(assertSchemaCompatible(current)).resolves.toBeUndefined();
  });

  it('undoing the contract migration lifts its floor', async () => {
    const current = release(CONTRACTED);
    await current.initialize();
    await current.undoLastMigration({ transaction: 'each' });
    const older = release(EXPANDED);
    await older.initialize();
    await expect(assertSchemaCompatible(older)).resolves.toBeUndefined();
  });
});
