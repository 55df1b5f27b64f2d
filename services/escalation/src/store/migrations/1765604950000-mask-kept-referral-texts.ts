import type { MigrationInterface, QueryRunner } from 'typeorm';
import { jsonWithoutAccessParticulars, withoutAccessParticulars } from '@tss/service-kit';

const BATCH = 500;
/** The events that carry what staff wrote here: a referral's reason (and the department's notice quoting it), an outcome. */
const STAFF_TEXT_EVENTS = ['escalation.referral_requested', 'escalation.raised', 'escalation.resolved'];

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, fourth session): a referral's reason and a quality
 * outcome were kept in `escalation.referrals` and published (`escalation.referral_requested`, the
 * notice's `summary` on `escalation.raised`, `escalation.resolved`'s `outcome`) as staff wrote them;
 * new ones are kept without access particulars. This masks the kept ones with the same detection,
 * removed (escalation has no vault), in batches by primary key, writing only what changes. The
 * escalations' own outcomes are 1765604960000's. Nothing to undo: the clear text is gone.
 */
export class MaskKeptReferralTexts1765604950000 implements MigrationInterface {
  name = 'MaskKeptReferralTexts1765604950000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
      const rows = (await queryRunner.query(`SELECT id::text AS id, reason, outcome FROM escalation.referrals WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`, [after])) as {
        id: string;
        reason: string;
        outcome: string | null;
      }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const reason = withoutAccessParticulars(row.reason);
        const outcome = row.outcome === null ? null : withoutAccessParticulars(row.outcome);
        if (reason !== row.reason || outcome !== row.outcome) await queryRunner.query(`UPDATE escalation.referrals SET reason = $2, outcome = $3 WHERE id = $1::uuid`, [row.id, reason, outcome]);
      }
      after = rows[rows.length - 1].id;
    }
    for (let after = 0; ; ) {
      const rows = (await queryRunner.query(
        `SELECT position::text AS position, event->'data' AS data FROM escalation.outbox WHERE position > $1 AND event_type = ANY($2::text[]) ORDER BY position LIMIT ${BATCH}`,
        [after, STAFF_TEXT_EVENTS],
      )) as { position: string; data: unknown }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const data = jsonWithoutAccessParticulars(row.data);
        if (data !== row.data) await queryRunner.query(`UPDATE escalation.outbox SET event = jsonb_set(event, '{data}', $2::jsonb) WHERE position = $1::bigint`, [row.position, JSON.stringify(data)]);
      }
      after = Number(rows[rows.length - 1].position);
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}
