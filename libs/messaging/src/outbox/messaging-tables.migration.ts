import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertSchemaName } from '@tss/persistence';

type MigrationClass = new () => MigrationInterface;

/**
 * The outbox and inbox tables every service keeps in its own schema. Each service lists this
 * migration first; its own migrations follow.
 */
export const messagingTablesMigration = (schema: string): MigrationClass => {
  const s = assertSchemaName(schema);
  return class MessagingTables1764115200000 implements MigrationInterface {
    name = 'MessagingTables1764115200000';

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`
        CREATE TABLE "${s}".outbox (
          position      bigserial PRIMARY KEY,
          event_id      uuid        NOT NULL UNIQUE,
          event_type    text        NOT NULL,
          topic         text        NOT NULL,
          message_key   text        NOT NULL,
          event         jsonb       NOT NULL,
          created_at    timestamptz NOT NULL,
          published_at  timestamptz
        )`);
      await queryRunner.query(`CREATE INDEX outbox_unpublished ON "${s}".outbox (position) WHERE published_at IS NULL`);
      await queryRunner.query(`
        CREATE TABLE "${s}".inbox (
          consumer_group text        NOT NULL,
          event_id       text        NOT NULL,
          event_type     text        NOT NULL,
          handled_at     timestamptz NOT NULL,
          PRIMARY KEY (consumer_group, event_id)
        )`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE "${s}".inbox`);
      await queryRunner.query(`DROP TABLE "${s}".outbox`);
    }
  };
};
