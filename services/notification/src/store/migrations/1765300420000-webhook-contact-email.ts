import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue #11: the address told when an endpoint is disabled (docs/adr/0042); optional, set at creation or PATCH. */
export class WebhookContactEmail1765300420000 implements MigrationInterface {
  name = 'WebhookContactEmail1765300420000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.webhook_endpoints ADD COLUMN contact_email text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.webhook_endpoints DROP COLUMN contact_email`);
  }
}
