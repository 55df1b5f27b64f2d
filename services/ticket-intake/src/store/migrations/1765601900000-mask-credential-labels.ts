import type { MigrationInterface, QueryRunner } from 'typeorm';
import { withoutAccessParticulars } from '@tss/service-kit';

const BATCH = 500;

/**
 * P9 (docs/adr/0026, addendum of 2026-12-04, sixth session): a credential's label was stored as
 * written, so `label: "panel password: …"` showed in clear in `GET …/credentials` and in the
 * history's `credential_stored`, `credential_revealed` and `credentials_destroyed` entries, and
 * outlived the secret's destruction. New labels holding particulars are refused (422); this masks
 * the ones kept, with `[access particulars removed]` (removed, not vaulted, as 1765501330000 did:
 * a migration has no master key). Only changed rows are written; a second run changes nothing.
 * Nothing to undo: the clear text is gone.
 */
export class MaskCredentialLabels1765601900000 implements MigrationInterface {
  name = 'MaskCredentialLabels1765601900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
      const rows = (await queryRunner.query(`SELECT id::text AS id, label FROM ticket_intake.credentials WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`, [after])) as {
        id: string;
        label: string;
      }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const label = withoutAccessParticulars(row.label);
        if (label !== row.label) await queryRunner.query(`UPDATE ticket_intake.credentials SET label = $2 WHERE id = $1::uuid`, [row.id, label]);
      }
      after = rows[rows.length - 1].id;
    }
    // The history's copies, written after 1765501330000 masked every entry's text.
    for (let after = 0; ; ) {
      const rows = (await queryRunner.query(
        `SELECT id::text AS id, detail->>'label' AS label FROM ticket_intake.ticket_history
         WHERE id > $1 AND action IN ('credential_stored', 'credential_revealed', 'credentials_destroyed') AND jsonb_typeof(detail->'label') = 'string'
         ORDER BY id LIMIT ${BATCH}`,
        [after],
      )) as { id: string; label: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const label = withoutAccessParticulars(row.label);
        if (label !== row.label) {
          await queryRunner.query(`UPDATE ticket_intake.ticket_history SET detail = jsonb_set(detail, '{label}', to_jsonb($2::text)) WHERE id = $1::bigint`, [row.id, label]);
        }
      }
      after = Number(rows[rows.length - 1].id);
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}
