import type { MigrationInterface, QueryRunner } from 'typeorm';
import { withoutAccessParticulars } from '@tss/service-kit';

const BATCH = 500;

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, fourth session): an out-of-scope closure's own `note`
 * (`tickets.closure`, shown by the ticket's GET and the list, to the partner too) was kept as the
 * agent wrote it, never vaulted; new closures mask it as the PATCH's `note`. This masks the kept
 * ones with the same detection, removed, not vaulted (as 1765501370000 did for request details):
 * the tickets are closed, and their particulars were shown in clear. Nothing to undo.
 */
export class MaskKeptClosureNotes1765604900000 implements MigrationInterface {
  name = 'MaskKeptClosureNotes1765604900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
      const rows = (await queryRunner.query(
        `SELECT id::text AS id, closure->>'note' AS note FROM ticket_intake.tickets
          WHERE id > $1::uuid AND closure ? 'note' ORDER BY id LIMIT ${BATCH}`,
        [after],
      )) as { id: string; note: string | null }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        if (row.note === null) continue;
        const note = withoutAccessParticulars(row.note);
        if (note !== row.note) await queryRunner.query(`UPDATE ticket_intake.tickets SET closure = jsonb_set(closure, '{note}', to_jsonb($2::text)) WHERE id = $1::uuid`, [row.id, note]);
      }
      after = rows[rows.length - 1].id;
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}
