import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `GET /v1/escalations?ticketId=<reference>` finds the ticket by its reference (docs/api.md §3). Expand-only. */
export class EscalationTicketsByReference1765603010000 implements MigrationInterface {
  name = 'EscalationTicketsByReference1765603010000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS tickets_by_reference ON escalation.tickets (reference)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS escalation.tickets_by_reference`);
  }
}
