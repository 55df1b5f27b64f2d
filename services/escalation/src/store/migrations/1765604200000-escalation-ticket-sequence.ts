import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ticket event an escalation's cause follows, kept for its later events (`escalation.renotified`,
 * `acknowledged`, `resolved`), which name it as `ticketSequence` (docs/adr/0066, addendum of
 * 2026-12-05, third session). Expand-only (docs/adr/0071): nullable, so an older release's insert
 * leaves it null, and escalations raised before it have none (their events name none, as before).
 */
export class EscalationTicketSequence1765604200000 implements MigrationInterface {
  name = 'EscalationTicketSequence1765604200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE escalation.escalations ADD COLUMN ticket_sequence integer`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE escalation.escalations DROP COLUMN ticket_sequence`);
  }
}
