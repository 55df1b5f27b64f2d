import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertSchemaName } from '@tss/persistence';
import { timersChannel } from './timers.migration';

type MigrationClass = new () => MigrationInterface;

/**
 * The wake-up trigger also notifies while the earliest pending timer is already due (issue #15,
 * docs/adr/0046). A worker firing a batch holds those timers row-locked but, to every other
 * transaction, still pending; a timer written meanwhile is later than them, so the previous rule
 * (notify only for a new earliest) stayed silent, and a worker that read its next wake-up before
 * the writer committed slept up to its longest sleep (30 s) with the new timer due. A due earliest
 * timer means a worker is busy or behind: telling it costs one notification per writing
 * transaction; when none is due (the idle case) a later timer still notifies no one.
 *
 * "Due" is by the writer's clock: the `scheduled_at` it wrote (the injected clock's `now`, STYLE
 * "Time comes from an injected clock"), not the database's `now()`, so simulated time means the
 * same here as in the worker.
 */
export const timersNotifyBusyMigration = (schema: string): MigrationClass => {
  const s = assertSchemaName(schema);
  const channel = timersChannel(s);
  const fn = (busyRule: boolean) => `
    CREATE OR REPLACE FUNCTION "${s}".timers_notify_written() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      earliest_written timestamptz;
      written_at timestamptz;
      earliest_pending timestamptz;
    BEGIN
      SELECT min(next_attempt_at), max(scheduled_at) INTO earliest_written, written_at
        FROM written WHERE status = 'pending' AND claimed_by IS NULL;
      IF earliest_written IS NULL THEN
        RETURN NULL;
      END IF;
      SELECT min(next_attempt_at) INTO earliest_pending FROM "${s}".timers WHERE status = 'pending';
      IF earliest_written <= earliest_pending${busyRule ? ' OR earliest_pending <= written_at' : ''} THEN
        PERFORM pg_notify('${channel}', '');
      END IF;
      RETURN NULL;
    END $$`;
  return class TimersNotifyBusy1765400100000 implements MigrationInterface {
    name = 'TimersNotifyBusy1765400100000';

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(fn(true));
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(fn(false));
    }
  };
};
