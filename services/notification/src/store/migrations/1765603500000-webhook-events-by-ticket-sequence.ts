import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether notification has consumed a ticket's event of a given sequence (or a later one): what an
 * `sla.*` event it causes waits for before its webhook deliveries are queued (docs/adr/0066, addendum
 * of 2026-12-05). Partial: only ticket events carry a sequence; the `sla.*`, escalation and rating
 * rows, and so half the table, stay out of it.
 */
export class WebhookEventsByTicketSequence1765603500000 implements MigrationInterface {
  name = 'WebhookEventsByTicketSequence1765603500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX webhook_events_by_ticket_sequence ON notification.webhook_events (subject, sequence) WHERE sequence IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX notification.webhook_events_by_ticket_sequence`);
  }
}
