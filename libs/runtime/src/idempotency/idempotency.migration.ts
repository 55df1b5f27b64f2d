import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertSchemaName } from '@tss/persistence';

type MigrationClass = new () => MigrationInterface;

/** Marks the classes idempotencyMigration makes: a module whose migrations list one has the table (service-module.ts). */
export const IDEMPOTENCY_MIGRATION = Symbol.for('tss.idempotency-migration');

/**
 * The Idempotency-Key records of one service (issue #9, docs/adr/0028): one row per
 * (caller, method, path, key), `id` being the SHA-256 of those four, so a long path cannot
 * overflow the index. A row is `in_flight` while its first request runs (`lease_until` bounds
 * how long a crashed worker holds the key), then `done` with the response to replay. Rows live
 * until `expires_at` (24 h after the first request); the prune reads the index on it.
 */
/** The timestamp of the table's migration in the services that had keys from the start. */
const FIRST_IDEMPOTENCY_MIGRATION_AT = 1765000400000;

/**
 * `migratedAt` names the migration `IdempotencyKeys<migratedAt>`: a service that takes keys later
 * (gateway, notification) gives the timestamp of its own migration file, later than its others.
 */
export const idempotencyMigration = (schema: string, migratedAt = FIRST_IDEMPOTENCY_MIGRATION_AT): MigrationClass => {
  const s = assertSchemaName(schema);
  if (!/^\d{13}$/.test(String(migratedAt))) throw new Error(`idempotencyMigration: ${migratedAt} is not a 13-digit timestamp`);
  const migrationName = `IdempotencyKeys${migratedAt}`;
  const migration = class implements MigrationInterface {
    static readonly [IDEMPOTENCY_MIGRATION] = true;
    name = migrationName;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`
        CREATE TABLE "${s}".idempotency_keys (
          id               text        PRIMARY KEY,
          principal        text        NOT NULL,
          method           text        NOT NULL,
          path             text        NOT NULL,
          key              text        NOT NULL,
          fingerprint      text,
          state            text        NOT NULL CHECK (state IN ('in_flight', 'done')),
          claim_token      uuid        NOT NULL,
          lease_until      timestamptz,
          response_status  integer,
          response_headers jsonb,
          response_body    bytea,
          created_at       timestamptz NOT NULL,
          completed_at     timestamptz,
          expires_at       timestamptz NOT NULL
        )`);
      await queryRunner.query(`CREATE INDEX idempotency_keys_expires_at ON "${s}".idempotency_keys (expires_at)`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE "${s}".idempotency_keys`);
    }
  };
  // The class's own name orders it among the service's migrations (composeService) as TypeORM's `name` does.
  Object.defineProperty(migration, 'name', { value: migrationName });
  return migration;
};

/**
 * P9 (docs/adr/0028, addendum of 2026-12-05, fourth session): releases before it kept each key's
 * fingerprint as SHA-256 of the body as written, a password or a vault's secret included, for 24 h
 * (past the vault's destruction when particulars came less than a day before it). They cannot be
 * recomputed without the body, so they are cleared: a key kept from before is compared alone for
 * the rest of its 24 h, as a streamed body's is (its retry gets the first answer, a 409 while it
 * runs, or takes over a lapsed claim; a different body under it is no longer told apart). Each
 * service that takes keys lists this once, with a timestamp after its table's migration.
 */
export const idempotencyFingerprintsCleared = (schema: string, migratedAt: number): MigrationClass => {
  const s = assertSchemaName(schema);
  if (!/^\d{13}$/.test(String(migratedAt))) throw new Error(`idempotencyFingerprintsCleared: ${migratedAt} is not a 13-digit timestamp`);
  const migrationName = `IdempotencyFingerprintsCleared${migratedAt}`;
  const migration = class implements MigrationInterface {
    name = migrationName;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`UPDATE "${s}".idempotency_keys SET fingerprint = NULL WHERE fingerprint IS NOT NULL`);
    }

    async down(): Promise<void> {
      // The fingerprints are gone for good (P9): there is nothing to restore.
    }
  };
  Object.defineProperty(migration, 'name', { value: migrationName });
  return migration;
};
