import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue #11 "E-mail in": every inbound mail and what became of it; the mail domains of partners. */
export class CreateInboundMail1765200220000 implements MigrationInterface {
  name = 'CreateInboundMail1765200220000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE notification.inbound_messages (
        id            uuid PRIMARY KEY,
        message_id    text        NOT NULL UNIQUE,
        outcome       text        NOT NULL CHECK (outcome IN ('threaded', 'new_ticket', 'quarantined', 'ignored')),
        reason        text,
        ticket_id     uuid,
        partner_id    uuid,
        sender        text        NOT NULL,
        subject       text        NOT NULL,
        text_body     text        NOT NULL,
        attachments   jsonb       NOT NULL DEFAULT '[]',
        received_at   timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX inbound_messages_quarantined ON notification.inbound_messages (received_at DESC) WHERE outcome = 'quarantined'`);
    await queryRunner.query(`
      CREATE TABLE notification.partner_mail_domains (
        domain      text PRIMARY KEY,
        partner_id  uuid        NOT NULL,
        added_by    text        NOT NULL,
        added_at    timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE notification.partner_mail_domains`);
    await queryRunner.query(`DROP TABLE notification.inbound_messages`);
  }
}
