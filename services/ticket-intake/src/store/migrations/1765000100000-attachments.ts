import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue #9, P8: attachments. The bytes live in blob storage under `storage_key`; a row is written
 * only once its blob is stored, and it is linked to a message (`message_id`) when a message names it.
 */
export class Attachments1765000100000 implements MigrationInterface {
  name = 'Attachments1765000100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ticket_intake.attachments (
        id               uuid        PRIMARY KEY,
        ticket_id        uuid        NOT NULL REFERENCES ticket_intake.tickets (id),
        partner_id       uuid        NOT NULL,
        message_id       uuid,
        file_name        text        NOT NULL,
        content_type     text        NOT NULL,
        size             bigint      NOT NULL CHECK (size >= 0),
        sha256           text        NOT NULL,
        storage_key      text        NOT NULL UNIQUE,
        uploaded_by_kind text        NOT NULL,
        uploaded_by_id   text        NOT NULL,
        created_at       timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX attachments_ticket ON ticket_intake.attachments (ticket_id, created_at, id)`);
    await queryRunner.query(`CREATE INDEX attachments_message ON ticket_intake.attachments (message_id) WHERE message_id IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ticket_intake.attachments`);
  }
}
