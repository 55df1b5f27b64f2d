import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * RFC 5322: To names the requester when the ticket knows their name (docs/adr/0035, addendum of
 * 2026-12-04, sixth session). The name is kept with the ticket's mail contact (later mails of the
 * ticket use it) and with each mail as sent. Nullable, no default: an older release writes neither
 * and sends to the bare address, as before, so no compatibility floor is needed.
 */
export class MailRecipientName1765601500000 implements MigrationInterface {
  name = 'MailRecipientName1765601500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.mail_contacts ADD COLUMN requester_name text`);
    await queryRunner.query(`ALTER TABLE notification.mail_messages ADD COLUMN recipient_name text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.mail_messages DROP COLUMN recipient_name`);
    await queryRunner.query(`ALTER TABLE notification.mail_contacts DROP COLUMN requester_name`);
  }
}
