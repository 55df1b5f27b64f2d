import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertSchemaName } from '@tss/persistence';

type MigrationClass = new () => MigrationInterface;

/**
 * The outbox's `event_id` loses its unique index (docs/adr/0060). Every id is a fresh random UUID
 * (`Outbox` takes no caller's id), so the index never refused a row; it cost each event a descent
 * to a random leaf of an index as large as seven days of events, on insert and again when the
 * relay marks the row published (an update that is never HOT). Consumers deduplicate by event id
 * in their inboxes, which keep their own unique key.
 */
export const messagingOutboxEventIdMigration = (schema: string): MigrationClass => {
  const s = assertSchemaName(schema);
  return class MessagingOutboxEventId1765500000000 implements MigrationInterface {
    name = 'MessagingOutboxEventId1765500000000';

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`ALTER TABLE "${s}".outbox DROP CONSTRAINT IF EXISTS outbox_event_id_key`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`ALTER TABLE "${s}".outbox ADD CONSTRAINT outbox_event_id_key UNIQUE (event_id)`);
    }
  };
};
