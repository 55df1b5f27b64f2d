import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The `ticket.referral_applied` that called a department in, kept for the `escalation.resolved` its
 * outcome publishes, which names it as `ticketSequence` like the call-in's `escalation.raised`
 * (docs/adr/0066, addendum of 2026-12-05, third session). Expand-only (docs/adr/0071): nullable.
 */
export class ReferralTicketSequence1765604210000 implements MigrationInterface {
  name = 'ReferralTicketSequence1765604210000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE escalation.referrals ADD COLUMN ticket_sequence integer`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE escalation.referrals DROP COLUMN ticket_sequence`);
  }
}
