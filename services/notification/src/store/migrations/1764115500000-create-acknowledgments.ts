import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAcknowledgments1764115500000 implements MigrationInterface {
  name = 'CreateAcknowledgments1764115500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE notification.acknowledgments (
        ticket_id    uuid PRIMARY KEY,
        partner_id   uuid        NOT NULL,
        reference    text        NOT NULL,
        channel      text        NOT NULL,
        recipient    text,
        delivery     text        NOT NULL,
        body         text        NOT NULL,
        recorded_at  timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE notification.acknowledgments`);
  }
}
