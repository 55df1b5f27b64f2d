import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * P9 (docs/adr/0026, addendum of 2026-12-04, sixth session): particulars vaulted from an agent's
 * internal note are staff's, as the note is: `GET …/credentials` and the history showed them to the
 * partner and the requester. A credential gets the visibility of the text it came from. Those kept
 * so far are marked `internal` when an agent's text put them in the vault (`detected`, by staff)
 * and only an internal note names their placeholder (`TSS vault #<first 8 of id>`), and their
 * history entries with them (the column: 1765601910000).
 */
export class InternalNoteCredentials1765601920000 implements MigrationInterface {
  name = 'InternalNoteCredentials1765601920000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE ticket_intake.credentials ADD COLUMN visibility text NOT NULL DEFAULT 'public' CONSTRAINT credentials_visibility CHECK (visibility IN ('public', 'internal'))`,
    );
    await queryRunner.query(`
      UPDATE ticket_intake.credentials c SET visibility = 'internal'
       WHERE c.kind = 'detected' AND c.created_by_kind = 'staff'
         AND EXISTS (SELECT 1 FROM ticket_intake.messages m
                      WHERE m.ticket_id = c.ticket_id AND m.visibility = 'internal' AND strpos(m.body, 'TSS vault #' || left(c.id::text, 8)) > 0)
         AND NOT EXISTS (SELECT 1 FROM ticket_intake.messages m
                          WHERE m.ticket_id = c.ticket_id AND m.visibility = 'public' AND strpos(m.body, 'TSS vault #' || left(c.id::text, 8)) > 0)
         AND NOT EXISTS (SELECT 1 FROM ticket_intake.ticket_history h
                          WHERE h.ticket_id = c.ticket_id AND h.action NOT LIKE 'credential%' AND strpos(h.detail::text, 'TSS vault #' || left(c.id::text, 8)) > 0)`);
    await queryRunner.query(`
      UPDATE ticket_intake.ticket_history h SET visibility = 'internal'
        FROM ticket_intake.credentials c
       WHERE c.visibility = 'internal' AND h.ticket_id = c.ticket_id
         AND h.action IN ('credential_stored', 'credential_revealed', 'credentials_destroyed') AND h.detail->>'credentialId' = c.id::text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ticket_intake.credentials DROP COLUMN visibility`);
  }
}
