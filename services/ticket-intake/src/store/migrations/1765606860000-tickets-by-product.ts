import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently } from '@tss/persistence';

const INDEX = 'ticket_intake.tickets_partner_product';

/**
 * The ticket list narrowed to a product (docs/adr/0027, addendum of 2026-12-05, seventh session):
 * `request ->> 'product'` had no index and no statistics, so the planner guessed a handful of rows
 * and read every partner's tickets in a sequential scan. This index serves a partner's list by
 * product and status in the list's order (received_at DESC, id DESC), and, being on the expression,
 * gives ANALYZE statistics for it.
 *
 * Built CONCURRENTLY, outside a transaction: tickets are written hundreds of times a second and a
 * plain build would hold off every write for as long as it reads the table. A build cut short
 * leaves an invalid index, which IF NOT EXISTS would keep: it is dropped first. ANALYZE afterwards,
 * since a new index's expression has no statistics until the table is analysed again.
 */
export class TicketsByProduct1765606860000 implements MigrationInterface {
  name = 'TicketsByProduct1765606860000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await createIndexConcurrently(queryRunner, 'ticket_intake', 'tickets_partner_product', `tickets (partner_id, (request ->> 'product'), status, received_at DESC, id DESC)`);
    await queryRunner.query(`ANALYZE ticket_intake.tickets`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ${INDEX}`);
  }
}
