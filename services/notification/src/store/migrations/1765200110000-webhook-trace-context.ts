import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue #11, DESIGN "Observability": a delivery keeps the trace context of the event that queued it, so its attempts join that trace. */
export class WebhookTraceContext1765200110000 implements MigrationInterface {
  name = 'WebhookTraceContext1765200110000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.webhook_deliveries ADD COLUMN traceparent text, ADD COLUMN tracestate text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.webhook_deliveries DROP COLUMN traceparent, DROP COLUMN tracestate`);
  }
}
