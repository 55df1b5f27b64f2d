import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who sent a failed mail again, and when (`POST /v1/mail/outbox/{id}/retry`, admins): the mail's
 * record of an operator's hand, as a released quarantined mail keeps `released_by` (docs/adr/0035,
 * addendum of 2026-12-05, seventh session). Nullable: a mail nobody sent again has neither.
 */
export class MailResent1765606841000 implements MigrationInterface {
  name = 'MailResent1765606841000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.mail_messages ADD COLUMN resent_at timestamptz, ADD COLUMN resent_by text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.mail_messages DROP COLUMN resent_at, DROP COLUMN resent_by`);
  }
}
