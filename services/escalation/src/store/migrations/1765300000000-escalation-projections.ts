import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue #12: what escalation knows of tickets (tenancy, level, status) and staff (the roster's people), fed by events. */
export class EscalationProjections1765300000000 implements MigrationInterface {
  name = 'EscalationProjections1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE escalation.tickets (
        ticket_id   uuid PRIMARY KEY,
        partner_id  uuid        NOT NULL,
        reference   text,
        level       text        NOT NULL,
        status      text        NOT NULL,
        updated_at  timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE escalation.staff (
        staff_id      text PRIMARY KEY,
        roles         text[]      NOT NULL,
        display_name  text,
        email         text,
        active        boolean     NOT NULL,
        changed_at    timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE escalation.staff`);
    await queryRunner.query(`DROP TABLE escalation.tickets`);
  }
}
