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
export const idempotencyMigration = (schema: string): MigrationClass => {
  const s = assertSchemaName(schema);
  return class IdempotencyKeys1765000400000 implements MigrationInterface {
    static readonly [IDEMPOTENCY_MIGRATION] = true;
    name = 'IdempotencyKeys1765000400000';

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
};
