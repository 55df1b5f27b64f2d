import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The level a clock had when its breach happened: the report counts a breached clock under it,
 * whatever level a later re-target gave the clock (docs/adr/0030, addendum of 2026-12-04, fifth
 * session). Expand-only: NULL for clocks not breached, and a release older than this leaves it NULL
 * for breaches it records, which this one reads as the clock's level (what the report did before).
 *
 * Breaches recorded before it: the clock's level now, the best known. A clock re-targeted after its
 * breach (or referred to development after it, the defect this fixes) kept no earlier level.
 */
export class ClockBreachedLevel1765600500000 implements MigrationInterface {
  name = 'ClockBreachedLevel1765600500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sla_timer.response_clocks ADD COLUMN breached_level text`);
    await queryRunner.query(`UPDATE sla_timer.response_clocks SET breached_level = level WHERE breached_at IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sla_timer.response_clocks DROP COLUMN breached_level`);
  }
}
