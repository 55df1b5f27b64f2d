import type { MigrationInterface, QueryRunner } from 'typeorm';
import { withoutAccessParticulars } from '@tss/service-kit';

const BATCH = 500;
/** The reason intake gave a reopening asked by a "not solved" rating, followed by the comment as written. */
const RATED_NOT_SOLVED = 'Rated not solved: ';

/**
 * P9 (docs/adr/0026, addendum of 2026-12-04, third session): reopenings asked by a "not solved"
 * rating recorded the requester's comment in clear as their reason, in the history (shown by
 * `GET /v1/tickets/{id}/history`) and in the `ticket.reopened` and `ticket.status_changed` outbox
 * rows. Masks both with the detection new reasons go through. The particulars are removed, not
 * vaulted: the tickets have been worked since, and support asks again if it needs access.
 * Nothing to undo: the clear text is gone.
 */
export class MaskRatingReopenReasons1765500471000 implements MigrationInterface {
  name = 'MaskRatingReopenReasons1765500471000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = 0; ; ) {
      const rows = (await queryRunner.query(
        `SELECT id::text AS id, detail->>'reason' AS reason FROM ticket_intake.ticket_history
          WHERE id > $1 AND actor_kind = 'service' AND actor_id = 'rating' AND detail ? 'reason' ORDER BY id LIMIT ${BATCH}`,
        [after],
      )) as { id: string; reason: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const reason = withoutAccessParticulars(row.reason);
        if (reason !== row.reason) await queryRunner.query(`UPDATE ticket_intake.ticket_history SET detail = jsonb_set(detail, '{reason}', to_jsonb($2::text)) WHERE id = $1::bigint`, [row.id, reason]);
      }
      after = Number(rows[rows.length - 1].id);
    }
    for (let after = 0; ; ) {
      // Published or not: the consumers' copies are better masked than clear (nothing here is for the vault).
      const rows = (await queryRunner.query(
        `SELECT position::text AS position, event->'data'->>'reason' AS reason FROM ticket_intake.outbox
          WHERE position > $1 AND event_type IN ('ticket.reopened', 'ticket.status_changed') AND starts_with(event->'data'->>'reason', $2) ORDER BY position LIMIT ${BATCH}`,
        [after, RATED_NOT_SOLVED],
      )) as { position: string; reason: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const reason = withoutAccessParticulars(row.reason);
        if (reason !== row.reason) await queryRunner.query(`UPDATE ticket_intake.outbox SET event = jsonb_set(event, '{data,reason}', to_jsonb($2::text)) WHERE position = $1::bigint`, [row.position, reason]);
      }
      after = Number(rows[rows.length - 1].position);
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}
