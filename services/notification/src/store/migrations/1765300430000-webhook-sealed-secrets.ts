import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue #11: webhook signing secrets encrypted at rest (docs/adr/0042). Each secret is sealed with
 * the service-kit key wrapping under a master key (TSS_MASTER_KEYS). A SQL migration holds no
 * master key, so the rows this one finds in clear are sealed by the webhooks part at start, before
 * it serves or sends (`sealStoredSecrets`), and the clear columns are then left NULL; a later
 * migration drops them once every installation has started on this version.
 */
export class WebhookSealedSecrets1765300430000 implements MigrationInterface {
  name = 'WebhookSealedSecrets1765300430000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE notification.webhook_endpoints
        ALTER COLUMN secret DROP NOT NULL,
        ADD COLUMN secret_sealed               bytea,
        ADD COLUMN secret_master_key_id        text,
        ADD COLUMN previous_secret_sealed      bytea,
        ADD COLUMN previous_secret_master_key_id text,
        ADD CONSTRAINT webhook_endpoints_one_secret CHECK ((secret IS NULL) <> (secret_sealed IS NULL)),
        ADD CONSTRAINT webhook_endpoints_sealed_key CHECK ((secret_sealed IS NULL) = (secret_master_key_id IS NULL)),
        ADD CONSTRAINT webhook_endpoints_previous_sealed_key CHECK ((previous_secret_sealed IS NULL) = (previous_secret_master_key_id IS NULL))`);
    await queryRunner.query(`CREATE INDEX webhook_endpoints_master_key ON notification.webhook_endpoints (secret_master_key_id)`);
    // Only without TSS_MASTER_KEYS (single process, development), as intake's vault (docs/adr/0026).
    await queryRunner.query(`
      CREATE TABLE notification.webhook_generated_master_keys (
        id         text        PRIMARY KEY,
        key        bytea       NOT NULL,
        created_at timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE notification.webhook_generated_master_keys`);
    await queryRunner.query(`DROP INDEX notification.webhook_endpoints_master_key`);
    await queryRunner.query(`
      ALTER TABLE notification.webhook_endpoints
        DROP CONSTRAINT webhook_endpoints_one_secret,
        DROP CONSTRAINT webhook_endpoints_sealed_key,
        DROP CONSTRAINT webhook_endpoints_previous_sealed_key,
        DROP COLUMN secret_sealed, DROP COLUMN secret_master_key_id, DROP COLUMN previous_secret_sealed, DROP COLUMN previous_secret_master_key_id`);
  }
}
