import type { MigrationInterface, QueryRunner } from 'typeorm';
import { withoutAccessParticulars } from '@tss/service-kit';

const BATCH = 500;

/**
 * P9 (docs/adr/0026, addendum of 2026-12-04, fourth session): an escalation quotes what the
 * requester wrote (P7: the request or message asking for the team leader), in
 * `escalation.escalations` (the escalation list and its reads) and in `escalation.raised`; releases
 * before the vault quoted it as written. 1765500472000 masked the quotes of ratings; this masks
 * every other one, with the detection intake now applies before publishing, in batches by primary
 * key. Nothing to undo: the clear text is gone.
 */
export class MaskKeptQuotes1765501320000 implements MigrationInterface {
  name = 'MaskKeptQuotes1765501320000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
      const rows = (await queryRunner.query(`SELECT id::text AS id, quote FROM escalation.escalations WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`, [after])) as {
        id: string;
        quote: string | null;
      }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const quote = row.quote === null ? null : withoutAccessParticulars(row.quote);
        if (quote !== row.quote) await queryRunner.query(`UPDATE escalation.escalations SET quote = $2 WHERE id = $1::uuid`, [row.id, quote]);
      }
      after = rows[rows.length - 1].id;
    }
    for (let after = 0; ; ) {
      const rows = (await queryRunner.query(
        `SELECT position::text AS position, event->'data'->>'quote' AS quote FROM escalation.outbox
          WHERE position > $1 AND event_type = 'escalation.raised' AND event->'data' ? 'quote' ORDER BY position LIMIT ${BATCH}`,
        [after],
      )) as { position: string; quote: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const quote = withoutAccessParticulars(row.quote);
        if (quote !== row.quote) await queryRunner.query(`UPDATE escalation.outbox SET event = jsonb_set(event, '{data,quote}', to_jsonb($2::text)) WHERE position = $1::bigint`, [row.position, quote]);
      }
      after = Number(rows[rows.length - 1].position);
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}
