import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The partners intake knows, projected from the gateway's `partner.*` events, so a staff member
 * filing for a partner names one that exists (P12; docs/adr/0029, addendum of 2026-12-04).
 * Partners that already have tickets are known from them: a partner registered before this
 * projection, whose `partner.created` the broker no longer holds, is still known once it has
 * filed (`changed_at` = its first ticket, so any later event of the gateway wins).
 */
export class KnownPartners1765000500000 implements MigrationInterface {
  name = 'KnownPartners1765000500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ticket_intake.partners (
        id         uuid        PRIMARY KEY,
        active     boolean     NOT NULL,
        changed_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      INSERT INTO ticket_intake.partners (id, active, changed_at)
      SELECT partner_id, true, min(received_at) FROM ticket_intake.tickets GROUP BY partner_id`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ticket_intake.partners`);
  }
}
