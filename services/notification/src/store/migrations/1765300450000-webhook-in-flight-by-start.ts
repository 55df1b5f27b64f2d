import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue #15 (docs/adr/0055): a claim counts each endpoint's attempts in flight from an index it
 * reads in order, by when each attempt began, so PostgreSQL scans it (and marks the entries of
 * finished attempts dead as it passes them) instead of visiting, on every claim, the row of every
 * attempt that left `in_flight` since the last vacuum. `webhook_deliveries_ready` (by `ready_at`
 * alone) has had no reader since claims go endpoint by endpoint (`webhook_deliveries_ready_by_endpoint`).
 */
export class WebhookInFlightByStart1765300450000 implements MigrationInterface {
  name = 'WebhookInFlightByStart1765300450000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX notification.webhook_deliveries_ready`);
    await queryRunner.query(`DROP INDEX notification.webhook_deliveries_in_flight`);
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_in_flight ON notification.webhook_deliveries (endpoint_id, last_attempt_at) WHERE status = 'in_flight'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX notification.webhook_deliveries_in_flight`);
    await queryRunner.query(`CREATE INDEX webhook_deliveries_in_flight ON notification.webhook_deliveries (endpoint_id) WHERE status = 'in_flight'`);
    await queryRunner.query(`CREATE INDEX webhook_deliveries_ready ON notification.webhook_deliveries (ready_at) WHERE status = 'ready'`);
  }
}
