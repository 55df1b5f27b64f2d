import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A referral's history is staff's (docs/adr/0039, addendum of 2026-12-04, seventh session; the
 * column: 1765601910000): `referral_applied` (with the reason written for the department) and
 * `referral_rejected` become `internal`. Releases before it also copied a development or design
 * referral's reason onto the public level and status changes it made (`note`, and the status
 * change's `reason`): removed there, where the referral's entry of the same change (same ticket,
 * instant, actor and note, one or two sequence numbers later) keeps it for staff. Anything else,
 * such as an agent's own PATCH note, stays as it is. Expand-only: older releases read both columns
 * as before. Run again, it changes nothing.
 */
export class ReferralHistoryForStaff1765603050000 implements MigrationInterface {
  name = 'ReferralHistoryForStaff1765603050000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      UPDATE ticket_intake.ticket_history h
         SET detail = CASE WHEN h.detail->>'reason' = h.detail->>'note' THEN (h.detail - 'note') - 'reason' ELSE h.detail - 'note' END
        FROM ticket_intake.ticket_history r
       WHERE r.ticket_id = h.ticket_id
         AND r.action = 'referral_applied' AND r.detail->>'target' IN ('development', 'design')
         AND h.action IN ('level_changed', 'status_changed')
         AND h.at = r.at AND h.actor_kind = r.actor_kind AND h.actor_id = r.actor_id
         AND h.sequence BETWEEN r.sequence - 2 AND r.sequence - 1
         AND h.detail->>'note' IS NOT NULL AND h.detail->>'note' = r.detail->>'note'`);
    await queryRunner.query(`UPDATE ticket_intake.ticket_history SET visibility = 'internal' WHERE action IN ('referral_applied', 'referral_rejected') AND visibility <> 'internal'`);
  }

  async down(): Promise<void> {
    // The entries stay staff's: showing a department's reason to the partner again is no rollback.
  }
}
