import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The language of each staff member's mail, as `staff.*` announces it (docs/adr/0042, addendum of
 * 2026-12-05, fourth session). Expand-only: members known before, and any an older release adds
 * during a roll, are `en`, what their mail was.
 */
export class StaffDirectoryLanguage1765604700000 implements MigrationInterface {
  name = 'StaffDirectoryLanguage1765604700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.staff_directory ADD COLUMN language text NOT NULL DEFAULT 'en'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.staff_directory DROP COLUMN language`);
  }
}
