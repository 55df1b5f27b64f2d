import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A check value per master key this service has used: random bytes wrapped under that key. At start
 * a configured key that does not open its check value is refused (docs/adr/0014, addendum of
 * 2026-12-05, seventh session). Expand-only: an older release never reads it.
 */
export class MasterKeyChecks1765606831000 implements MigrationInterface {
  name = 'MasterKeyChecks1765606831000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ticket_intake.master_key_checks (
        master_key_id text        PRIMARY KEY,
        check_value   bytea       NOT NULL,
        created_at    timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ticket_intake.master_key_checks`);
  }
}
