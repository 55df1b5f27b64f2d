import type { MigrationInterface, QueryRunner } from 'typeorm';
import { STAFF_TEXT_EVENT_TYPES, staffTextsWithoutAccessParticulars } from '@tss/messaging';
import { withoutAccessParticulars } from '@tss/service-kit';
import { htmlWithoutAccessParticulars } from '../../domain/mail-template';

/** Rows per batch: a body runs to kilobytes. */
const BATCH = 200;
const FIRST_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * A kept webhook body (the CloudEvent as JSON) with its data's staff texts masked as the event log's
 * and the dead letters' are (`staffTextsWithoutAccessParticulars`, contract lengths kept); the same
 * text when nothing changes or the body is no JSON object (none is written so).
 */
const bodyWithoutStaffParticulars = (type: string, body: string): string => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return body;
  const event = parsed as Record<string, unknown>;
  const data = staffTextsWithoutAccessParticulars(type, event.data);
  return data === event.data ? body : JSON.stringify({ ...event, data });
};

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): escalation publishes what staff write
 * without access particulars since the fourth session, and masked its own copies then; notification
 * kept the older events as published (1765501350000 had masked what it kept before): for webhook
 * replay (`webhook_events`, 30 days) and in each delivery's body, `escalation.referral_requested`'s
 * reason, `escalation.raised`'s summary, `escalation.resolved`'s outcome and the referral reason
 * older intakes put on `ticket.status_changed`; and the department's notice mailed from
 * `escalation.raised` quotes the summary (`mail_messages`, `GET /v1/mail/outbox`). This masks them
 * with the detection new text goes through (removed, not vaulted), only those event types and
 * notices, in batches by primary key, writing only what changes; a delivery's body stays the same
 * text as its event's, and is signed as masked when it is sent. Dead letters are the messaging
 * migration's (1765606110000). Nothing to undo: the clear text is gone.
 */
export class MaskKeptStaffTextCopies1765606130000 implements MigrationInterface {
  name = 'MaskKeptStaffTextCopies1765606130000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = ''; ; ) {
      const rows = (await queryRunner.query(`SELECT id, type, body FROM notification.webhook_events WHERE id > $1 AND type = ANY($2::text[]) ORDER BY id LIMIT ${BATCH}`, [
        after,
        STAFF_TEXT_EVENT_TYPES,
      ])) as { id: string; type: string; body: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const body = bodyWithoutStaffParticulars(row.type, row.body);
        if (body !== row.body) await queryRunner.query(`UPDATE notification.webhook_events SET body = $2 WHERE id = $1`, [row.id, body]);
      }
      after = rows[rows.length - 1].id;
    }
    // Whatever their status: a pending one is sent masked, a failed one retried masked, a sent one kept masked.
    for (let after = FIRST_UUID; ; ) {
      const rows = (await queryRunner.query(
        `SELECT id::text AS id, event_type AS type, body FROM notification.webhook_deliveries WHERE id > $1::uuid AND event_type = ANY($2::text[]) ORDER BY id LIMIT ${BATCH}`,
        [after, STAFF_TEXT_EVENT_TYPES],
      )) as { id: string; type: string; body: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const body = bodyWithoutStaffParticulars(row.type, row.body);
        if (body !== row.body) await queryRunner.query(`UPDATE notification.webhook_deliveries SET body = $2 WHERE id = $1::uuid`, [row.id, body]);
      }
      after = rows[rows.length - 1].id;
    }
    // The notices quote the summary as written: subjects and plain bodies as text, HTML run by run (as 1765501340000).
    for (let after = FIRST_UUID; ; ) {
      const rows = (await queryRunner.query(
        `SELECT id::text AS id, subject, text_body, html_body FROM notification.mail_messages WHERE id > $1::uuid AND kind = 'escalation_notice' ORDER BY id LIMIT ${BATCH}`,
        [after],
      )) as { id: string; subject: string; text_body: string; html_body: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const masked = { subject: withoutAccessParticulars(row.subject), text: withoutAccessParticulars(row.text_body), html: htmlWithoutAccessParticulars(row.html_body) };
        if (masked.subject !== row.subject || masked.text !== row.text_body || masked.html !== row.html_body) {
          await queryRunner.query(`UPDATE notification.mail_messages SET subject = $2, text_body = $3, html_body = $4 WHERE id = $1::uuid`, [row.id, masked.subject, masked.text, masked.html]);
        }
      }
      after = rows[rows.length - 1].id;
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}
