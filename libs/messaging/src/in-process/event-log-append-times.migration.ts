import type { MigrationInterface, QueryRunner } from 'typeorm';
import { EVENT_LOG_SCHEMA } from './event-log.migration';

/**
 * When each entry was appended, which the log's retention ages it by (docs/adr/0032, addendum of
 * 2026-12-05, second session), as Kafka ages a topic's segments. Appends write the injected
 * clock's time; the default is for the rows already there, which take the upgrade's time and so
 * age from the upgrade (one value, stored once: `now()` is stable, the table is not rewritten),
 * and for an older release appending after a rollback. The index lets each prune batch read the
 * entries it deletes and no more. Expand-only: an older release's appends still work.
 */
export class EventLogAppendTimes1765604100000 implements MigrationInterface {
  name = 'EventLogAppendTimes1765604100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "${EVENT_LOG_SCHEMA}".messages ADD COLUMN appended_at timestamptz NOT NULL DEFAULT now()`);
    await queryRunner.query(`CREATE INDEX messages_appended_at ON "${EVENT_LOG_SCHEMA}".messages (appended_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "${EVENT_LOG_SCHEMA}".messages_appended_at`);
    await queryRunner.query(`ALTER TABLE "${EVENT_LOG_SCHEMA}".messages DROP COLUMN appended_at`);
  }
}
