import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * P11: the resolution a ticket's mail contact last read (`ticket.resolved`'s `sequence`) and the
 * one its rating link belongs to (`rating.requested`'s `ticketSequence`), so the resolved mail
 * carries its own resolution's link whichever topic notification reads first (docs/adr/0035,
 * addendum of 2026-12-05, third session). Nullable, no default: rows kept before it and an older
 * release's writes leave them null, read as before (the link is the current resolution's), so no
 * compatibility floor is needed.
 */
export class MailRatingLinkSequences1765604400000 implements MigrationInterface {
  name = 'MailRatingLinkSequences1765604400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE notification.mail_contacts
        ADD COLUMN resolution_ticket_sequence integer,
        ADD COLUMN rate_url_ticket_sequence   integer`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.mail_contacts DROP COLUMN resolution_ticket_sequence, DROP COLUMN rate_url_ticket_sequence`);
  }
}
