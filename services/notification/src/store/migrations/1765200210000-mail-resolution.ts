import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue #11: the resolved mail waits briefly for the rating link (P11) so both go in one mail. */
export class MailResolution1765200210000 implements MigrationInterface {
  name = 'MailResolution1765200210000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE notification.mail_contacts
        ADD COLUMN rate_url              text,
        ADD COLUMN resolved_at           timestamptz,
        ADD COLUMN reopen_window_ends_at timestamptz,
        ADD COLUMN credentials_held      boolean NOT NULL DEFAULT false,
        ADD COLUMN resolved_mail_id      uuid`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE notification.mail_contacts
        DROP COLUMN rate_url, DROP COLUMN resolved_at, DROP COLUMN reopen_window_ends_at, DROP COLUMN credentials_held, DROP COLUMN resolved_mail_id`);
  }
}
