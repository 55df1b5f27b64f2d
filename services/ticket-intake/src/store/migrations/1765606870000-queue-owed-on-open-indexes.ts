import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently } from '@tss/persistence';

/**
 * The queue's owed views read the open view's indexes (docs/adr/0027, addendum of 2026-12-06):
 * `tickets_queue_open_*` (1765606861000) lead with `(NOT response_owed)` and hold every ticket at
 * work, so the owed part is their first stretch, read with `(NOT response_owed) IS FALSE` as an
 * index condition (queue.store.ts). The owed views' own three indexes held the same entries again:
 * every filing and every due-time projection wrote six queue index entries where three serve.
 *
 * Dropped CONCURRENTLY, outside a transaction, as 1765606861000 built its indexes: tickets are
 * written hundreds of times a second and a plain DROP INDEX waits for, then holds off, every write.
 */
const DROPPED = [
  {
    name: 'tickets_queue_unassigned',
    columns: `(level <> 'emergency'), queue_due_at, received_at, id`,
    where: `status IN ('new', 'open') AND response_owed AND assignee_id IS NULL`,
  },
  {
    name: 'tickets_queue_assigned',
    columns: `assignee_id, (level <> 'emergency'), queue_due_at, received_at, id`,
    where: `status IN ('new', 'open') AND response_owed AND assignee_id IS NOT NULL`,
  },
  {
    name: 'tickets_queue_all',
    columns: `(level <> 'emergency'), queue_due_at, received_at, id`,
    where: `status IN ('new', 'open') AND response_owed`,
  },
] as const;

export class QueueOwedOnOpenIndexes1765606870000 implements MigrationInterface {
  name = 'QueueOwedOnOpenIndexes1765606870000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const index of DROPPED) await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ticket_intake.${index.name}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const index of DROPPED) await createIndexConcurrently(queryRunner, 'ticket_intake', index.name, `tickets (${index.columns}) WHERE ${index.where}`);
  }
}
