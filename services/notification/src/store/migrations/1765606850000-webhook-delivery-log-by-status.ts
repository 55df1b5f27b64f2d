import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently } from '@tss/persistence';

const INDEX = 'notification.webhook_deliveries_log_by_status';

/**
 * The delivery log filtered by a status no other index keeps in order (docs/adr/0034, addendum of
 * 2026-12-05, seventh session): `?status=failed` read every delivery of the endpoint, or the whole
 * table. Partial: a delivery that succeeds at once (ready → in_flight → succeeded) never enters it,
 * so the senders' hot path writes no entry; `ready` and `in_flight` have partial indexes of their own.
 * Built CONCURRENTLY, outside a transaction: deliveries are written thousands a second. A build cut
 * short leaves an invalid index, which IF NOT EXISTS would keep: it is dropped first.
 */
export class WebhookDeliveryLogByStatus1765606850000 implements MigrationInterface {
  name = 'WebhookDeliveryLogByStatus1765606850000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await createIndexConcurrently(
      queryRunner,
      'notification',
      'webhook_deliveries_log_by_status',
      `webhook_deliveries (endpoint_id, status, created_at DESC, id DESC) WHERE status IN ('pending', 'held', 'failed', 'cancelled')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ${INDEX}`);
  }
}
