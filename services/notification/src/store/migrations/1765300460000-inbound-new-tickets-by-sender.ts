import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tickets a sender's mail filed within the last hour are counted on every new mail from a
 * partner's domain (MAIL_INBOUND_NEW_TICKETS_PER_SENDER_PER_HOUR, docs/adr/0035 addendum of
 * 2026-12-04, second session); the acknowledgment's search for the opening mail reads the same rows.
 */
export class InboundNewTicketsBySender1765300460000 implements MigrationInterface {
  name = 'InboundNewTicketsBySender1765300460000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX inbound_messages_new_ticket_sender ON notification.inbound_messages (sender, received_at DESC) WHERE outcome = 'new_ticket'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX notification.inbound_messages_new_ticket_sender`);
  }
}
