import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The retention sweep's read: finished deliveries by when they finished. */
export class WebhookRetention1765200120000 implements MigrationInterface {
  name = 'WebhookRetention1765200120000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_finished ON notification.webhook_deliveries (completed_at) WHERE status IN ('succeeded', 'failed', 'cancelled')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX notification.webhook_deliveries_finished`);
  }
}
