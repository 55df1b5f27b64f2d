import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signing keys are published before they sign (`signs_from`), and their private keys are stored
 * wrapped by a master key (docs/adr/0014). Existing plaintext rows cannot be wrapped here (the
 * master keys are configuration, not schema): the gateway wraps them and clears
 * `private_key_pem` when it starts.
 */
export class KeyPublicationAndWrapping1764806400000 implements MigrationInterface {
  name = 'KeyPublicationAndWrapping1764806400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE gateway.signing_keys ADD COLUMN signs_from timestamptz`);
    // Keys that exist already have been signing since they were made.
    await queryRunner.query(`UPDATE gateway.signing_keys SET signs_from = created_at`);
    await queryRunner.query(`ALTER TABLE gateway.signing_keys ALTER COLUMN signs_from SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE gateway.signing_keys ADD COLUMN wrapped_private_key bytea`);
    await queryRunner.query(`ALTER TABLE gateway.signing_keys ADD COLUMN master_key_id text`);
    await queryRunner.query(`ALTER TABLE gateway.signing_keys ALTER COLUMN private_key_pem DROP NOT NULL`);
    await queryRunner.query(`
      ALTER TABLE gateway.signing_keys ADD CONSTRAINT signing_keys_private_key_present
        CHECK (private_key_pem IS NOT NULL OR (wrapped_private_key IS NOT NULL AND master_key_id IS NOT NULL))`);
    await queryRunner.query(`
      CREATE TABLE gateway.generated_master_keys (
        id          text PRIMARY KEY,
        key         bytea       NOT NULL,
        created_at  timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE gateway.generated_master_keys`);
    // Going back needs the plaintext column filled: refuse rather than lose the keys.
    const [{ wrapped }] = await queryRunner.query(`SELECT count(*)::int AS wrapped FROM gateway.signing_keys WHERE private_key_pem IS NULL`);
    if (wrapped > 0) throw new Error(`${wrapped} signing keys exist only wrapped; revert by rotating keys, not by migrating down`);
    await queryRunner.query(`ALTER TABLE gateway.signing_keys DROP CONSTRAINT signing_keys_private_key_present`);
    await queryRunner.query(`ALTER TABLE gateway.signing_keys ALTER COLUMN private_key_pem SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE gateway.signing_keys DROP COLUMN master_key_id`);
    await queryRunner.query(`ALTER TABLE gateway.signing_keys DROP COLUMN wrapped_private_key`);
    await queryRunner.query(`ALTER TABLE gateway.signing_keys DROP COLUMN signs_from`);
  }
}
