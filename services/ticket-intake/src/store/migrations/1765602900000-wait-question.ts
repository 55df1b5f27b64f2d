import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * P10, P12 (docs/adr/0035, addendum of 2026-12-04, seventh session): what support asked the
 * requester when a wait on them began is kept on the ticket while it waits (`wait_question`), so
 * the ticket view (`awaiting.question`) and the requester's support site can show it; before, it
 * reached the requester only in the "Information needed" mail.
 *
 * Expand-only: a nullable column older releases neither read nor write. Tickets waiting at the
 * upgrade take their question from the history: the note of the latest entry that began the wait
 * (or gave it its present reason), as `commitChange` kept it (masked, P9). A support-side delay
 * recorded during the wait (`support_delay:…`) asked nothing and is passed over.
 */
export class WaitQuestion1765602900000 implements MigrationInterface {
  name = 'WaitQuestion1765602900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ticket_intake.tickets ADD COLUMN wait_question text`);
    await queryRunner.query(`
      UPDATE ticket_intake.tickets t SET wait_question = asked.note
        FROM ticket_intake.tickets w
        CROSS JOIN LATERAL (
          SELECT h.detail->>'note' AS note, h.detail->>'reason' AS reason
            FROM ticket_intake.ticket_history h
           WHERE h.ticket_id = w.id AND h.action = 'status_changed' AND h.detail->>'to' = 'awaiting_customer'
             AND coalesce(h.detail->>'reason', '') NOT LIKE 'support_delay:%'
           ORDER BY h.id DESC
           LIMIT 1) asked
       WHERE t.id = w.id AND w.status = 'awaiting_customer' AND asked.reason = w.wait_reason AND asked.note IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ticket_intake.tickets DROP COLUMN wait_question`);
  }
}
