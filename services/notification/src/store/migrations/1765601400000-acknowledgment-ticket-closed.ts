import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When the ticket was closed (`ticket.closed`), beside its acknowledgment: a reply to a closed
 * ticket goes to its follow-up, and the inbound answer says so (docs/adr/0035, addendum of
 * 2026-12-04, sixth session). Additive and nullable: an older release neither reads nor writes it,
 * and a ticket closed before it is answered as before ("threaded").
 */
export class AcknowledgmentTicketClosed1765601400000 implements MigrationInterface {
  name = 'AcknowledgmentTicketClosed1765601400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.acknowledgments ADD COLUMN ticket_closed_at timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.acknowledgments DROP COLUMN ticket_closed_at`);
  }
}
