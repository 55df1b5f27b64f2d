import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently } from '@tss/persistence';

/**
 * The queue's `open` view (docs/adr/0027, addenda of 2026-12-04 and 2026-12-05, seventh session) in
 * index order: every ticket at work, those owing nothing after the others, each part in P4's order
 * (`OPEN_VIEW_ORDER` in queue.store.ts), per assignee kind as the owed view's three indexes are.
 * Without them a page sorted every ticket at work (a sequential scan of every partner's tickets).
 *
 * Built CONCURRENTLY, outside a transaction, for the reason and in the way of 1765606860000.
 */
const INDEXES = [
  {
    name: 'tickets_queue_open_unassigned',
    columns: `(NOT response_owed), (level <> 'emergency'), queue_due_at, received_at, id`,
    where: `status IN ('new', 'open') AND assignee_id IS NULL`,
  },
  {
    name: 'tickets_queue_open_assigned',
    columns: `assignee_id, (NOT response_owed), (level <> 'emergency'), queue_due_at, received_at, id`,
    where: `status IN ('new', 'open') AND assignee_id IS NOT NULL`,
  },
  {
    name: 'tickets_queue_open_all',
    columns: `(NOT response_owed), (level <> 'emergency'), queue_due_at, received_at, id`,
    where: `status IN ('new', 'open')`,
  },
] as const;

export class QueueOpenViewOrder1765606861000 implements MigrationInterface {
  name = 'QueueOpenViewOrder1765606861000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const index of INDEXES) await createIndexConcurrently(queryRunner, 'ticket_intake', index.name, `tickets (${index.columns}) WHERE ${index.where}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const index of INDEXES) await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ticket_intake.${index.name}`);
  }
}
