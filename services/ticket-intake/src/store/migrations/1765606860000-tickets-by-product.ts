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
 * since a new index's expression has no statistics until the table is analysed again (when it has rows).
 */
export class TicketsByProduct1765606860000 implements MigrationInterface {
  name = 'TicketsByProduct1765606860000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await createIndexConcurrently(queryRunner, 'ticket_intake', 'tickets_partner_product', `tickets (partner_id, (request ->> 'product'), status, received_at DESC, id DESC)`);
    // Only a table with rows: ANALYZE of an empty one records it as known to be empty (reltuples 0,
    // where a table never analysed has -1), and until autovacuum analyses it again the planner plans
    // every statement on it for an empty table. Each pooled connection keeps the plan of its foreign
    // key checks from first use: a fresh install's ticket_history, messages, attachments and
    // credentials inserts then checked their ticket by a sequential scan of every ticket, for as
    // long as autovacuum left it (docs/performance.md, eleventh session).
    const [{ any }] = (await queryRunner.query(`SELECT EXISTS (SELECT 1 FROM ticket_intake.tickets) AS any`)) as { any: boolean }[];
    if (any) await queryRunner.query(`ANALYZE ticket_intake.tickets`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ${INDEX}`);
  }
}
