import type { MigrationInterface, QueryRunner } from 'typeorm';
import { staffTextsWithoutAccessParticulars } from '@tss/messaging';

const BATCH = 500;
const STATUS_CHANGED = 'ticket.status_changed';

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): releases before 1765603050000 copied
 * a development or design referral's reason, as staff wrote it, onto the status change it made,
 * so into `ticket.status_changed`'s `reason` in the outbox (kept `EVENT_RETENTION_DAYS` once
 * published; one still to publish goes out as it is now). 1765603050000 took it off the history,
 * 1765604910000 masked the referral's own entry; neither reached the outbox. This masks the data
 * of those events with the detection new text goes through (removed, not vaulted), in batches by
 * position, writing only what changes. Nothing to undo: the clear text is gone.
 */
export class MaskKeptStatusChangeReasons1765606120000 implements MigrationInterface {
  name = 'MaskKeptStatusChangeReasons1765606120000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = 0; ; ) {
      const rows = (await queryRunner.query(
        `SELECT position::text AS position, event->'data' AS data FROM ticket_intake.outbox WHERE position > $1 AND event_type = $2 ORDER BY position LIMIT ${BATCH}`,
        [after, STATUS_CHANGED],
      )) as { position: string; data: unknown }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const data = staffTextsWithoutAccessParticulars(STATUS_CHANGED, row.data);
        if (data !== row.data) await queryRunner.query(`UPDATE ticket_intake.outbox SET event = jsonb_set(event, '{data}', $2::jsonb) WHERE position = $1::bigint`, [row.position, JSON.stringify(data)]);
      }
      after = Number(rows[rows.length - 1].position);
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}
