import type { MigrationInterface, QueryRunner } from 'typeorm';
import { jsonWithoutAccessParticulars } from '@tss/service-kit';

const BATCH = 500;

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, fourth session): a referral's reason reached intake
 * as staff wrote it (`escalation.referral_requested`) and was kept as the `note` of its
 * `referral_applied` entry (1765603050000 took it off the public changes the referral made). New
 * reasons arrive without access particulars, and intake removes them from an older escalation's.
 * This masks the kept entries with the same detection, removed, not vaulted, in batches by id.
 * Nothing to undo: the clear text is gone.
 */
export class MaskKeptReferralReasons1765604910000 implements MigrationInterface {
  name = 'MaskKeptReferralReasons1765604910000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = 0; ; ) {
      const rows = (await queryRunner.query(
        `SELECT id::text AS id, detail FROM ticket_intake.ticket_history WHERE id > $1 AND action = 'referral_applied' ORDER BY id LIMIT ${BATCH}`,
        [after],
      )) as { id: string; detail: unknown }[];
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
