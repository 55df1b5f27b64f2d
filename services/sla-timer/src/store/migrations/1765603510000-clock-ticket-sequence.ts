import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ticket event that started or last re-targeted a clock (its `sequence`): the clock's events name
 * it as `ticketSequence`, the ticket event they follow, so notification queues their webhook
 * deliveries after it (docs/adr/0066, addendum of 2026-12-05). Expand-only, no default: clocks
 * started before it, and by a release older than this, keep NULL and their events name none.
 */
export class ClockTicketSequence1765603510000 implements MigrationInterface {
  name = 'ClockTicketSequence1765603510000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sla_timer.response_clocks ADD COLUMN ticket_sequence integer`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sla_timer.response_clocks DROP COLUMN ticket_sequence`);
  }
}
