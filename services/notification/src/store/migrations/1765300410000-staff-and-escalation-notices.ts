import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * P7: escalation notices to staff. `staff_directory` is notification's projection of the gateway's
 * `staff.*` (whom to mail); `escalation_notices` records each (escalation, attempt) once mailed, so a
 * redelivered or re-published event sends nothing twice.
 */
export class StaffAndEscalationNotices1765300410000 implements MigrationInterface {
  name = 'StaffAndEscalationNotices1765300410000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE notification.staff_directory (
        staff_id      text PRIMARY KEY,
        email         text,
        display_name  text,
        roles         text[]      NOT NULL,
        active        boolean     NOT NULL,
        changed_at    timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE notification.escalation_notices (
        escalation_id uuid        NOT NULL,
        attempt       integer     NOT NULL,
        ticket_id     text        NOT NULL,
        recipients    text[]      NOT NULL,
        queued_at     timestamptz NOT NULL,
        PRIMARY KEY (escalation_id, attempt)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE notification.escalation_notices`);
    await queryRunner.query(`DROP TABLE notification.staff_directory`);
  }
}
