import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The instant a clock's breach happened (the due time when `sla.breached` went out), kept through
 * later re-targets: a level lowered after a breach no longer turns it into compliance
 * (docs/adr/0030, addendum of 2026-12-04, third session).
 *
 * Breaches published before it: the due time, unless a re-target moved it past the publication,
 * in which case the publication is the nearest instant known not to be before the breach.
 */
export class ClockBreachedAt1765500933000 implements MigrationInterface {
  name = 'ClockBreachedAt1765500933000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sla_timer.response_clocks ADD COLUMN breached_at timestamptz`);
    await queryRunner.query(`
      UPDATE sla_timer.response_clocks SET breached_at = LEAST(due_at, breach_published_at)
       WHERE breach_published_at IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sla_timer.response_clocks DROP COLUMN breached_at`);
  }
}
