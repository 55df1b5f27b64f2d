import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Referrals (issue #12, docs/adr/0039) and the tickets escalation knows, for tenancy and references. */
export class Referrals1765300100000 implements MigrationInterface {
  name = 'Referrals1765300100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE escalation.referral_tickets (
        ticket_id  uuid PRIMARY KEY,
        partner_id uuid NOT NULL,
        reference  text NOT NULL UNIQUE
      )`);
    await queryRunner.query(`
      CREATE TABLE escalation.referrals (
        id               uuid PRIMARY KEY,
        ticket_id        uuid        NOT NULL,
        partner_id       uuid        NOT NULL,
        target           text        NOT NULL CHECK (target IN ('development', 'quality', 'design')),
        reason           text        NOT NULL,
        status           text        NOT NULL CHECK (status IN ('requested', 'applied', 'rejected')),
        requested_by     text        NOT NULL,
        requested_at     timestamptz NOT NULL,
        answered_at      timestamptz,
        rejection_reason text,
        outcome          text,
        outcome_by       text,
        outcome_at       timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX referrals_by_ticket ON escalation.referrals (ticket_id, requested_at, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE escalation.referrals`);
    await queryRunner.query(`DROP TABLE escalation.referral_tickets`);
  }
}
