import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue #15: a claim reads each enabled endpoint's first ready deliveries in line from this index
 * (a few rows per endpoint) instead of ranking every ready delivery (docs/adr/0043).
 */
export class WebhookReadyByEndpoint1765300440000 implements MigrationInterface {
  name = 'WebhookReadyByEndpoint1765300440000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_ready_by_endpoint ON notification.webhook_deliveries (endpoint_id, ready_at, created_at, id) WHERE status = 'ready'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX notification.webhook_deliveries_ready_by_endpoint`);
  }
}
