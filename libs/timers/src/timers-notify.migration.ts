import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertSchemaName } from '@tss/persistence';
import { timersChannel, timersMigration } from './timers.migration';
import { timersRetentionIndexMigration } from './timers-retention.migration';
import { timersNotifyBusyMigration } from './timers-notify-busy.migration';

type MigrationClass = new () => MigrationInterface;

/**
 * The wake-up trigger, once per statement instead of once per row (docs/adr/0024, "Measured").
 * The row trigger read the head of the pending index for every row written; after a burst had
 * fired, that head held the fired rows' dead entries until vacuum, so writing N timers cost N
 * walks over them: 40,000 timers written right after 40,000 fired took seconds. Now each
 * statement compares the earliest claimable row it wrote with the earliest pending one, once.
 * Same rule: notify when an unclaimed pending timer became the earliest.
 */
export const timersNotifyPerStatementMigration = (schema: string): MigrationClass => {
  const s = assertSchemaName(schema);
  return class TimersNotifyPerStatement1765065700000 implements MigrationInterface {
    name = 'TimersNotifyPerStatement1765065700000';

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TRIGGER timers_notify ON "${s}".timers`);
      await queryRunner.query(`DROP FUNCTION "${s}".timers_notify()`);
      await queryRunner.query(`
        CREATE FUNCTION "${s}".timers_notify_written() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          earliest_written timestamptz;
        BEGIN
          SELECT min(next_attempt_at) INTO earliest_written FROM written WHERE status = 'pending' AND claimed_by IS NULL;
          IF earliest_written IS NOT NULL
             AND earliest_written <= (SELECT min(next_attempt_at) FROM "${s}".timers WHERE status = 'pending') THEN
            PERFORM pg_notify('${timersChannel(s)}', '');
          END IF;
          RETURN NULL;
        END $$`);
      // A trigger with a transition table serves one event; both name theirs `written`.
      await queryRunner.query(`
        CREATE TRIGGER timers_notify_inserted AFTER INSERT ON "${s}".timers
        REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION "${s}".timers_notify_written()`);
      await queryRunner.query(`
        CREATE TRIGGER timers_notify_updated AFTER UPDATE ON "${s}".timers
        REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION "${s}".timers_notify_written()`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TRIGGER timers_notify_updated ON "${s}".timers`);
      await queryRunner.query(`DROP TRIGGER timers_notify_inserted ON "${s}".timers`);
      await queryRunner.query(`DROP FUNCTION "${s}".timers_notify_written()`);
      await queryRunner.query(`
        CREATE FUNCTION "${s}".timers_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.next_attempt_at <= (SELECT min(next_attempt_at) FROM "${s}".timers WHERE status = 'pending') THEN
            PERFORM pg_notify('${timersChannel(s)}', '');
          END IF;
          RETURN NULL;
        END $$`);
      await queryRunner.query(`
        CREATE TRIGGER timers_notify AFTER INSERT OR UPDATE OF next_attempt_at ON "${s}".timers
        FOR EACH ROW WHEN (NEW.status = 'pending' AND NEW.claimed_by IS NULL)
        EXECUTE FUNCTION "${s}".timers_notify()`);
    }
  };
};

/** Every timers migration of a schema, oldest first: list these rather than `timersMigration` alone. */
export const timersMigrations = (schema: string): MigrationClass[] => [
  timersMigration(schema),
  timersNotifyPerStatementMigration(schema),
  timersRetentionIndexMigration(schema),
  timersNotifyBusyMigration(schema),
];
