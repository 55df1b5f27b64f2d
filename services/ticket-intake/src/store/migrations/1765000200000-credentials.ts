import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * P9 (issue #9): the credentials vault. Each secret is sealed under its own data key; the data key,
 * wrapped by a master key, lives in a row of its own, deleted when the secret is destroyed: the
 * credential's row, or any copy of it, is then ciphertext nobody can open (docs/adr/0026).
 */
export class Credentials1765000200000 implements MigrationInterface {
  name = 'Credentials1765000200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ticket_intake.credentials (
        id              uuid        PRIMARY KEY,
        ticket_id       uuid        NOT NULL REFERENCES ticket_intake.tickets (id),
        partner_id      uuid        NOT NULL,
        label           text        NOT NULL,
        kind            text        NOT NULL CHECK (kind IN ('submitted', 'detected')),
        ciphertext      bytea,
        nonce           bytea,
        tag             bytea,
        created_by_kind text        NOT NULL,
        created_by_id   text        NOT NULL,
        created_at      timestamptz NOT NULL,
        destroy_after   timestamptz,
        destroyed_at    timestamptz,
        CONSTRAINT credentials_sealed_until_destroyed CHECK ((destroyed_at IS NULL) = (ciphertext IS NOT NULL AND nonce IS NOT NULL AND tag IS NOT NULL))
      )`);
    await queryRunner.query(`CREATE INDEX credentials_ticket ON ticket_intake.credentials (ticket_id, created_at, id)`);
    await queryRunner.query(`
      CREATE TABLE ticket_intake.credential_data_keys (
        credential_id    uuid  PRIMARY KEY REFERENCES ticket_intake.credentials (id) ON DELETE CASCADE,
        wrapped_data_key bytea NOT NULL,
        master_key_id    text  NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX credential_data_keys_master_key ON ticket_intake.credential_data_keys (master_key_id)`);
    // Only without TSS_MASTER_KEYS (single process, development): see docs/adr/0026.
    await queryRunner.query(`
      CREATE TABLE ticket_intake.credential_generated_master_keys (
        id         text        PRIMARY KEY,
        key        bytea       NOT NULL,
        created_at timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ticket_intake.credential_generated_master_keys`);
    await queryRunner.query(`DROP TABLE ticket_intake.credential_data_keys`);
    await queryRunner.query(`DROP TABLE ticket_intake.credentials`);
  }
}
