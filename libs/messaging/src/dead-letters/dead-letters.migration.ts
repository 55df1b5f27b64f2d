import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertSchemaName } from '@tss/persistence';

type MigrationClass = new () => MigrationInterface;

/**
 * Dead letters in the service's own schema, in both modes (docs/adr/0013). A `failed` row is an
 * event the consumer gave up on; a `held` row is a later event of the same key parked behind it
 * (never tried), so the key's order survives until an operator replays or skips the failed one.
 */
export const messagingDeadLettersMigration = (schema: string): MigrationClass => {
  const s = assertSchemaName(schema);
  return class MessagingDeadLetters1764900000000 implements MigrationInterface {
    name = 'MessagingDeadLetters1764900000000';

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`
        CREATE TABLE "${s}".dead_letters (
          id               bigserial   PRIMARY KEY,
          consumer_group   text        NOT NULL,
          topic            text        NOT NULL,
          message_key      text,
          position         text,
          event_id         text,
          event_type       text,
          headers          jsonb       NOT NULL,
          value            bytea,
          reason           text        NOT NULL,
          kind             text        NOT NULL CHECK (kind IN ('failed', 'held')),
          status           text        NOT NULL CHECK (status IN ('parked', 'replayed', 'skipped')),
          dead_lettered_at timestamptz NOT NULL,
          resolved_at      timestamptz
        )`);
      await queryRunner.query(`CREATE INDEX dead_letters_parked ON "${s}".dead_letters (consumer_group, message_key, id) WHERE status = 'parked'`);
      // A redelivery (crash before the offset commit) must not park the same event twice.
      await queryRunner.query(`CREATE UNIQUE INDEX dead_letters_parked_once ON "${s}".dead_letters (consumer_group, event_id) WHERE status = 'parked'`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE "${s}".dead_letters`);
    }
  };
};
