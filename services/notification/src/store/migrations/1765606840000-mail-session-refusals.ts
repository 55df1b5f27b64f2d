import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A mail the SMTP server refused for our session (our login, TLS, our sender address) waits for an
 * operator instead of failing (docs/adr/0035, addendum of 2026-12-05, seventh session):
 * - `attempts_not_counted`: attempts that do not count towards the 8 (`MAIL_MAX_ATTEMPTS`): those
 *   refused for our session. `attempts` still counts every attempt, whose timer ids it numbers.
 * - `session_refusals`: how many times the server refused our session for it: its retry's delay.
 * - `session_refused_at`: when it last did, null once another outcome is recorded: the mails a
 *   start, or a send the server takes again, brings forward. The partial index holds those alone.
 * Defaults 0 and null: mail queued before counts as before; a mail an older release marked failed
 * for such a refusal stays failed (docs/mail.md says how an operator sends it again).
 */
export class MailSessionRefusals1765606840000 implements MigrationInterface {
  name = 'MailSessionRefusals1765606840000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE notification.mail_messages
         ADD COLUMN attempts_not_counted integer NOT NULL DEFAULT 0,
         ADD COLUMN session_refusals integer NOT NULL DEFAULT 0,
         ADD COLUMN session_refused_at timestamptz`,
    );
    await queryRunner.query(
      `CREATE INDEX mail_messages_waiting_for_the_session ON notification.mail_messages (created_at, id) WHERE status = 'pending' AND session_refused_at IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX notification.mail_messages_waiting_for_the_session`);
    await queryRunner.query(`ALTER TABLE notification.mail_messages DROP COLUMN attempts_not_counted, DROP COLUMN session_refusals, DROP COLUMN session_refused_at`);
  }
}
