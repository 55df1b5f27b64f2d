import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The public form's requests per address within the last hour (docs/adr/0037, addendum of
 * 2026-12-04, third session): an address digest, not the address; one row per form post (its
 * Idempotency-Key), rows older than the hour deleted as new ones come.
 */
export class SiteFormAddresses1765500610000 implements MigrationInterface {
  name = 'SiteFormAddresses1765500610000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE gateway.site_form_addresses (
        address_digest  text        NOT NULL,
        idempotency_key text        NOT NULL,
        filed_at        timestamptz NOT NULL,
        PRIMARY KEY (address_digest, idempotency_key)
      )`);
    await queryRunner.query(`CREATE INDEX site_form_addresses_filed_at ON gateway.site_form_addresses (filed_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE gateway.site_form_addresses`);
  }
}
