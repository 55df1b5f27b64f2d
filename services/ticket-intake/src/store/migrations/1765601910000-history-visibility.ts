import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * P9 (docs/adr/0026, addendum of 2026-12-04, sixth session): a history entry about something only
 * staff see (a credential vaulted from an internal note) is `internal`, shown to staff only, as the
 * note is. Every entry so far is `public`; 1765601920000 marks those of internal notes' credentials.
 */
export class HistoryVisibility1765601910000 implements MigrationInterface {
  name = 'HistoryVisibility1765601910000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE ticket_intake.ticket_history ADD COLUMN visibility text NOT NULL DEFAULT 'public' CONSTRAINT ticket_history_visibility CHECK (visibility IN ('public', 'internal'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ticket_intake.ticket_history DROP COLUMN visibility`);
  }
}
