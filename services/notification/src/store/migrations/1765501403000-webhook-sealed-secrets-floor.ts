import type { MigrationInterface, QueryRunner } from 'typeorm';
import { recordCompatibilityFloor, removeCompatibilityFloors } from '@tss/persistence';

const NAME = 'WebhookSealedSecretsFloor1765501403000';

/**
 * 1765300430000 (webhook sealed secrets) was not expand-only: newer code seals each endpoint's
 * secret and leaves `secret` NULL, which an older notification signs deliveries with. A release
 * without it refuses this schema (docs/adr/0071).
 */
export class WebhookSealedSecretsFloor1765501403000 implements MigrationInterface {
  name = NAME;

  async up(queryRunner: QueryRunner): Promise<void> {
    await recordCompatibilityFloor(queryRunner, 'notification', {
      migration: 'WebhookSealedSecrets1765300430000',
      recordedBy: NAME,
      reason: 'webhook_endpoints.secret is NULL once sealed: an older release cannot sign deliveries',
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await removeCompatibilityFloors(queryRunner, 'notification', NAME);
  }
}
