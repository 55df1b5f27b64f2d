import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The warnings a clock passed over, never published: a higher warning or the breach was published
 * or past already when they came up (after a downtime, a backlog or a re-target; docs/adr/0030,
 * addendum of 2026-12-05). Expand-only: `[]` for every clock so far and for those an older release
 * inserts (it does not know the column); a clock's inserts here rely on that default too, as a new
 * clock has passed nothing over. No compatibility floor (docs/adr/0071): an older release ignores
 * the column and fires as it did.
 */
export class ClockWarningsSkipped1765603600000 implements MigrationInterface {
  name = 'ClockWarningsSkipped1765603600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sla_timer.response_clocks ADD COLUMN warnings_skipped jsonb NOT NULL DEFAULT '[]'::jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sla_timer.response_clocks DROP COLUMN warnings_skipped`);
  }
}
