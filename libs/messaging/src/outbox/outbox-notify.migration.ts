import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertSchemaName } from '@tss/persistence';

type MigrationClass = new () => MigrationInterface;

/** The channel a schema's relay listens on; PostgreSQL delivers a NOTIFY only when its transaction commits. */
export const outboxChannel = (schema: string): string => `tss_outbox_${assertSchemaName(schema)}`;

/**
 * Wakes the relay holding the schema's lock when any replica commits outbox rows, instead of at
 * its next poll (issue #7). One notification per statement; PostgreSQL folds repeats within a
 * transaction into one.
 */
export const messagingOutboxNotifyMigration = (schema: string): MigrationClass => {
  const s = assertSchemaName(schema);
  return class MessagingOutboxNotify1764900100000 implements MigrationInterface {
    name = 'MessagingOutboxNotify1764900100000';

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`
        CREATE FUNCTION "${s}".outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_notify('${outboxChannel(s)}', '');
          RETURN NULL;
        END $$`);
      await queryRunner.query(`CREATE TRIGGER outbox_notify AFTER INSERT ON "${s}".outbox FOR EACH STATEMENT EXECUTE FUNCTION "${s}".outbox_notify()`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TRIGGER outbox_notify ON "${s}".outbox`);
      await queryRunner.query(`DROP FUNCTION "${s}".outbox_notify()`);
    }
  };
};
