import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { assertSchemaName } from './schema-name';

/**
 * The table, in each service's schema, of its compatibility floors: migrations a release must
 * have to run on the schema at all. A migration that only expands (DESIGN: old and new code run
 * side by side on the new schema) records none; one that does not, a *contract* migration, records
 * one, and from then on a release without that migration refuses to start on the schema
 * (docs/adr/0071). The table is created by the first floor recorded: a schema without it has none.
 */
export const COMPATIBILITY_FLOORS_TABLE = 'schema_compatibility_floors';

export interface CompatibilityFloor {
  /** The migration a release must have (its name as `schema_migrations` holds it). */
  migration: string;
  /** The migration that recorded the floor. */
  recordedBy: string;
  /** What a release without `migration` would do wrong on this schema. */
  reason: string;
}

const floorsTable = (schema: string): string => `"${assertSchemaName(schema)}".${COMPATIBILITY_FLOORS_TABLE}`;

/** From a contract migration's `up`: releases without `floor.migration` must not run on `schema`. */
export const recordCompatibilityFloor = async (queryRunner: QueryRunner, schema: string, floor: CompatibilityFloor): Promise<void> => {
  const table = floorsTable(schema);
  await queryRunner.query(`
    CREATE TABLE IF NOT EXISTS ${table} (
      migration   text PRIMARY KEY,
      recorded_by text NOT NULL,
      reason      text NOT NULL
    )`);
  await queryRunner.query(`INSERT INTO ${table} (migration, recorded_by, reason) VALUES ($1, $2, $3) ON CONFLICT (migration) DO NOTHING`, [
    floor.migration,
    floor.recordedBy,
    floor.reason,
  ]);
};

/** From that migration's `down`: the floors it recorded are lifted. */
export const removeCompatibilityFloors = async (queryRunner: QueryRunner, schema: string, recordedBy: string): Promise<void> => {
  const table = floorsTable(schema);
  const [{ present }] = (await queryRunner.query('SELECT to_regclass($1) IS NOT NULL AS present', [table])) as { present: boolean }[];
  if (present) await queryRunner.query(`DELETE FROM ${table} WHERE recorded_by = $1`, [recordedBy]);
};

type Queryable = Pick<DataSource, 'query'>;

/** The floors recorded in `schema`; none when no contract migration ever ran there (or the schema is new). */
export const readCompatibilityFloors = async (db: Queryable, schema: string): Promise<CompatibilityFloor[]> => {
  const table = floorsTable(schema);
  const [{ present }] = (await db.query('SELECT to_regclass($1) IS NOT NULL AS present', [table])) as { present: boolean }[];
  if (!present) return [];
  const rows = (await db.query(`SELECT migration, recorded_by, reason FROM ${table} ORDER BY migration`)) as { migration: string; recorded_by: string; reason: string }[];
  return rows.map((row) => ({ migration: row.migration, recordedBy: row.recorded_by, reason: row.reason }));
};

/** A migration's name as TypeORM records it in `schema_migrations`. */
const migrationName = (migration: MigrationInterface): string => migration.name ?? migration.constructor.name;
/** TypeORM's own ordering key: the 13-digit timestamp that ends the name. */
const migrationTimestamp = (name: string): number => Number(/(\d{13})$/.exec(name)?.[1] ?? 0);

/**
 * A release started on a schema a contract migration it does not have has made incompatible with
 * it. Running would fail in ways that lose work (an older sla-timer's clock inserts violate
 * `target_ms NOT NULL`, the event is dead-lettered, the ticket has no clock): it must not start.
 */
export class SchemaNeedsNewerRelease extends Error {
  constructor(
    readonly schema: string,
    /** The floors this release is below. */
    readonly floors: readonly CompatibilityFloor[],
    /** This release's newest migration of the schema. */
    readonly releaseNewestMigration: string | undefined,
  ) {
    const found = floors.map((f) => `${f.migration} (recorded by ${f.recordedBy}: ${f.reason})`).join('; ');
    super(
      `schema ${schema} needs a newer release: it requires migration ${found}, which this release does not have ` +
        `(its newest migration of ${schema} is ${releaseNewestMigration ?? 'none'}). This release cannot run on this schema. ` +
        `Roll forward to a release that has ${floors.map((f) => f.migration).join(', ')}, or, to run this release, restore the database backup ` +
        `taken before the upgrade that applied it (docs/operations.md, "Upgrade and rollback").`,
    );
  }
}
SchemaNeedsNewerRelease.prototype.name = 'SchemaNeedsNewerRelease';

/**
 * Refuses (SchemaNeedsNewerRelease) when a floor of the data source's schema names a migration the
 * data source does not have. Call it on an initialized data source, before migrating and before
 * serving: migrations a release does not know with no floor are expand-only, and it runs on them.
 */
export const assertSchemaCompatible = async (dataSource: DataSource): Promise<void> => {
  const schema = String((dataSource.options as { schema?: string }).schema);
  const known = dataSource.migrations.map(migrationName);
  const missing = (await readCompatibilityFloors(dataSource, schema)).filter((floor) => !known.includes(floor.migration));
  if (missing.length === 0) return;
  const newest = [...known].sort((a, b) => migrationTimestamp(a) - migrationTimestamp(b)).at(-1);
  throw new SchemaNeedsNewerRelease(schema, missing, newest);
};
