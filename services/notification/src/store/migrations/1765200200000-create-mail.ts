import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue #11: outgoing mail (durable, retried through the timers) and each ticket's mail contact. */
export class CreateMail1765200200000 implements MigrationInterface {
  name = 'CreateMail1765200200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE notification.mail_contacts (
        ticket_id       uuid PRIMARY KEY,
        partner_id      uuid        NOT NULL,
        reference       text        NOT NULL,
        email           text        NOT NULL,
        language        text        NOT NULL,
        subject         text        NOT NULL,
        thread_root_id  text,
        updated_at      timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE notification.mail_messages (
        id            uuid PRIMARY KEY,
        ticket_id     uuid,
        partner_id    uuid,
        kind          text        NOT NULL,
        recipient     text        NOT NULL,
        language      text        NOT NULL,
        message_id    text        NOT NULL UNIQUE,
        in_reply_to   text,
        subject       text        NOT NULL,
        text_body     text        NOT NULL,
        html_body     text        NOT NULL,
        status        text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
        transport     text,
        attempts      integer     NOT NULL DEFAULT 0,
        last_error    text,
        smtp_response text,
        created_at    timestamptz NOT NULL,
        sent_at       timestamptz,
        failed_at     timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX mail_messages_ticket ON notification.mail_messages (ticket_id, created_at)`);
    await queryRunner.query(`CREATE INDEX mail_messages_created ON notification.mail_messages (created_at DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE notification.mail_messages`);
    await queryRunner.query(`DROP TABLE notification.mail_contacts`);
  }
}
