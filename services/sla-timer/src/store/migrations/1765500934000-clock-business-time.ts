import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether a clock's schedule counts business time on its policy's calendar: its elapsed and
 * remaining time are then business time too, as its target is (docs/adr/0031, addendum of
 * 2026-12-04, third session). Set when the clock starts or is re-targeted.
 *
 * Clocks known before it: those whose policy version has a calendar. A clock whose calendar was
 * set aside (it could not count the level, docs/adr/0031 addendum of 2026-12-03) is flagged too:
 * such versions are rare and the flag only changes how elapsed time is reported.
 */
export class ClockBusinessTime1765500934000 implements MigrationInterface {
  name = 'ClockBusinessTime1765500934000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sla_timer.response_clocks ADD COLUMN counts_business_time boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`
      UPDATE sla_timer.response_clocks c SET counts_business_time = true
        FROM sla_timer.sla_policies p
       WHERE p.scope = c.policy_scope AND p.version = c.policy_version AND p.policy ? 'calendar'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sla_timer.response_clocks DROP COLUMN counts_business_time`);
  }
}
