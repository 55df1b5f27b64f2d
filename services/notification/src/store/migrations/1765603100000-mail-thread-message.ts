import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * P8: the thread message an `agent_reply` mail carries, so each agent message is mailed once
 * whichever events name it (`ticket.agent_replied`, and `ticket.responded` for the reply that gave a
 * response owed; docs/adr/0035, addendum of 2026-12-05, first session). Unique where set: a second
 * mail of one message fails its insert rather than reaching the requester twice. Nullable, no
 * default: other kinds carry no message, and an older release writes nothing (its agent replies
 * were mailed on `ticket.responded` alone, once each), so no compatibility floor is needed.
 */
export class MailThreadMessage1765603100000 implements MigrationInterface {
  name = 'MailThreadMessage1765603100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.mail_messages ADD COLUMN thread_message_id uuid`);
    await queryRunner.query(`CREATE UNIQUE INDEX mail_messages_thread_message ON notification.mail_messages (thread_message_id) WHERE thread_message_id IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX notification.mail_messages_thread_message`);
    await queryRunner.query(`ALTER TABLE notification.mail_messages DROP COLUMN thread_message_id`);
  }
}
