import type { MigrationInterface, QueryRunner } from 'typeorm';
import { withoutAccessParticulars } from '@tss/service-kit';

const BATCH = 500;

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, fourth session): an escalation's outcome
 * (`escalation.escalations.outcome`, the list and its reads) and a roster override's note (every
 * version in `escalation.rosters`) were kept as staff wrote them; new ones are kept without access
 * particulars. This masks the kept ones with the same detection, removed (escalation has no vault),
 * writing only what changes; `escalation.resolved` in the outbox is 1765604950000's. Nothing to undo.
 */
export class MaskKeptOutcomesAndRosterNotes1765604960000 implements MigrationInterface {
  name = 'MaskKeptOutcomesAndRosterNotes1765604960000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
      const rows = (await queryRunner.query(
        `SELECT id::text AS id, outcome FROM escalation.escalations WHERE id > $1::uuid AND outcome IS NOT NULL ORDER BY id LIMIT ${BATCH}`,
        [after],
      )) as { id: string; outcome: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const outcome = withoutAccessParticulars(row.outcome);
        if (outcome !== row.outcome) await queryRunner.query(`UPDATE escalation.escalations SET outcome = $2 WHERE id = $1::uuid`, [row.id, outcome]);
      }
      after = rows[rows.length - 1].id;
    }
    // A roster version is one document; only its overrides' notes are free text (staff ids, zones and times are checked).
    for (let after = 0; ; ) {
      const rows = (await queryRunner.query(`SELECT version, roster->'overrides' AS overrides FROM escalation.rosters WHERE version > $1 ORDER BY version LIMIT ${BATCH}`, [after])) as {
        version: number;
        overrides: { note?: unknown }[] | null;
      }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const kept = row.overrides ?? [];
        const overrides = kept.map((o) => (typeof o.note === 'string' ? { ...o, note: withoutAccessParticulars(o.note) } : o));
        if (overrides.some((o, i) => o.note !== kept[i].note)) {
          await queryRunner.query(`UPDATE escalation.rosters SET roster = jsonb_set(roster, '{overrides}', $2::jsonb) WHERE version = $1`, [row.version, JSON.stringify(overrides)]);
        }
      }
      after = rows[rows.length - 1].version;
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}
