import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The language of TSS's mail to a staff member (`en` or `ru`), set by an admin and announced in
 * `staff.*` (docs/adr/0042, addendum of 2026-12-05, fourth session). Expand-only: every existing
 * row, and every row an older release inserts during a roll, is `en`, what its mail was.
 */
export class StaffLanguage1765604600000 implements MigrationInterface {
  name = 'StaffLanguage1765604600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['api_clients', 'sso_staff']) {
      await queryRunner.query(`ALTER TABLE gateway.${table} ADD COLUMN language text NOT NULL DEFAULT 'en' CONSTRAINT ${table}_language_known CHECK (language IN ('en', 'ru'))`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['api_clients', 'sso_staff']) await queryRunner.query(`ALTER TABLE gateway.${table} DROP COLUMN language`);
  }
}
