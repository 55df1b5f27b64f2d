import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * P12: every mail to a requester carries a support-site link naming the ticket's requester (its id,
 * or `mail:<address>`), kept with the ticket's mail contact. Older contacts get the mail form.
 */
export class MailSiteRequester1765300400000 implements MigrationInterface {
  name = 'MailSiteRequester1765300400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.mail_contacts ADD COLUMN site_requester text`);
    await queryRunner.query(`UPDATE notification.mail_contacts SET site_requester = 'mail:' || lower(email)`);
    await queryRunner.query(`ALTER TABLE notification.mail_contacts ALTER COLUMN site_requester SET NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.mail_contacts DROP COLUMN site_requester`);
  }
}
