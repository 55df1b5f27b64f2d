import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When the response clock an sla escalation was raised for stopped (sla.met, sla.clock_cancelled):
 * its re-notices stop then, even one whose timer was already claimed (docs/adr/0038, addendum of
 * 2026-12-04, second session). Escalations of other causes keep it null.
 */
export class EscalationClockStopped1765500100000 implements MigrationInterface {
  name = 'EscalationClockStopped1765500100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE escalation.escalations ADD COLUMN clock_stopped_at timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE escalation.escalations DROP COLUMN clock_stopped_at`);
  }
}
