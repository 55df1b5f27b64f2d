import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateTickets1764115300000 implements MigrationInterface {
  name = 'CreateTickets1764115300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ticket_intake.tickets (
        id                    uuid PRIMARY KEY,
        partner_id            uuid        NOT NULL,
        reference             text        NOT NULL UNIQUE,
        channel               text        NOT NULL,
        status                text        NOT NULL,
        level                 text        NOT NULL,
        level_confirmed       boolean     NOT NULL DEFAULT false,
        request               jsonb       NOT NULL,
        missing_details       text[]      NOT NULL DEFAULT '{}',
        team_leader_requested boolean     NOT NULL DEFAULT false,
        requester_id          text,
        received_at           timestamptz NOT NULL,
        accepted_at           timestamptz,
        sequence              integer     NOT NULL DEFAULT 0,
        idempotency_key       text,
        request_hash          text,
        updated_at            timestamptz NOT NULL
      )`);
    // Idempotent retries are per partner: the same key from two partners is two requests.
    await queryRunner.query(`CREATE UNIQUE INDEX tickets_idempotency ON ticket_intake.tickets (partner_id, idempotency_key) WHERE idempotency_key IS NOT NULL`);
    // P4: the order received, per partner listing.
    await queryRunner.query(`CREATE INDEX tickets_partner_received ON ticket_intake.tickets (partner_id, received_at, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ticket_intake.tickets`);
  }
}
