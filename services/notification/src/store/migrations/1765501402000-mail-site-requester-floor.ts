import type { MigrationInterface, QueryRunner } from 'typeorm';
import { recordCompatibilityFloor, removeCompatibilityFloors } from '@tss/persistence';

const NAME = 'MailSiteRequesterFloor1765501402000';

/**
 * 1765300400000 (mail site requester) made `mail_contacts.site_requester` NOT NULL without a
 * default: an older notification fails to keep a ticket's mail contact, dead-letters its
 * `ticket.created` and sends no acknowledgment (P3). A release without it refuses this schema
 * (docs/adr/0071).
 */
export class MailSiteRequesterFloor1765501402000 implements MigrationInterface {
  name = NAME;

  async up(queryRunner: QueryRunner): Promise<void> {
    await recordCompatibilityFloor(queryRunner, 'notification', {
      migration: 'MailSiteRequester1765300400000',
      recordedBy: NAME,
      reason: 'mail_contacts.site_requester is NOT NULL without a default: an older release cannot keep a mail contact',
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await removeCompatibilityFloors(queryRunner, 'notification', NAME);
  }
}
