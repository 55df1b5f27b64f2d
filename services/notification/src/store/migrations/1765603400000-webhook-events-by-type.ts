import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently } from '@tss/persistence';

const INDEX = 'notification.webhook_events_by_type';

/**
 * A replay reads the events its endpoint's filters match (docs/adr/0034, addendum of 2026-12-05):
 * by type first, so a narrow filter reads its few events instead of every event of the range,
 * `COLLATE "C"` so a domain wildcard (`rating.*`) is a range of it whatever the database's collation.
 * Built CONCURRENTLY, outside a transaction: `webhook_events` takes a row per consumed event, and a
 * plain build would hold off the consumers for as long as it reads 30 days of them. A build cut
 * short leaves an invalid index, which IF NOT EXISTS would keep: it is dropped first.
 */
export class WebhookEventsByType1765603400000 implements MigrationInterface {
  name = 'WebhookEventsByType1765603400000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await createIndexConcurrently(queryRunner, 'notification', 'webhook_events_by_type', `webhook_events (type COLLATE "C", partner_id, occurred_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ${INDEX}`);
  }
}
