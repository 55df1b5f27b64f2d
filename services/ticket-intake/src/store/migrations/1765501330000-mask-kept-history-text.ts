import type { MigrationInterface, QueryRunner } from 'typeorm';
import { jsonWithoutAccessParticulars } from '@tss/service-kit';

const BATCH = 500;

/**
 * P9 (docs/adr/0026, addendum of 2026-12-04, fourth session): a history entry's detail holds its
 * event's fields and the change's `note` (commit-change.ts): a reopening's reason and note, a
 * team-leader request's quote, an answer's body. `GET /v1/tickets/{id}/history` showed them as
 * older releases wrote them; 1765500471000 masked only the `reason` of ratings' reopenings, so a
 * rating's comment stayed in clear in their `note`. Masks every string of every entry's detail
 * with the detection new text goes through, in batches by id. Nothing to undo: the clear text is gone.
 */
export class MaskKeptHistoryText1765501330000 implements MigrationInterface {
  name = 'MaskKeptHistoryText1765501330000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = 0; ; ) {
      const rows = (await queryRunner.query(`SELECT id::text AS id, detail FROM ticket_intake.ticket_history WHERE id > $1 ORDER BY id LIMIT ${BATCH}`, [after])) as {
        id: string;
        detail: unknown;
      }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const detail = jsonWithoutAccessParticulars(row.detail);
        if (detail !== row.detail) await queryRunner.query(`UPDATE ticket_intake.ticket_history SET detail = $2::jsonb WHERE id = $1::bigint`, [row.id, JSON.stringify(detail)]);
      }
      after = Number(rows[rows.length - 1].id);
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}
