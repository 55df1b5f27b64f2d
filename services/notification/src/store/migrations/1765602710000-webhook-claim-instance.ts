import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The instance whose claim holds a delivery `in_flight`, so a live instance can take back the claim
 * of one that died mid-attempt instead of waiting for the delivery's watchdog (up to 2 minutes, its
 * ticket's later deliveries held behind it: docs/adr/0034, addendum of 2026-12-04, seventh
 * session). No index of its own: the sweep reads `webhook_deliveries_in_flight`, which holds the
 * attempts in flight alone. Nullable, no default: an older release claims without it, and its
 * claims are left to their watchdog, as before.
 */
export class WebhookClaimInstance1765602710000 implements MigrationInterface {
  name = 'WebhookClaimInstance1765602710000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.webhook_deliveries ADD COLUMN claim_instance_id uuid`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.webhook_deliveries DROP COLUMN claim_instance_id`);
  }
}
