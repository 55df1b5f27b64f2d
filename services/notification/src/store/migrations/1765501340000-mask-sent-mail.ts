import type { MigrationInterface, QueryRunner } from 'typeorm';
import { withoutAccessParticulars } from '@tss/service-kit';
import { htmlWithoutAccessParticulars } from '../../domain/mail-template';

/** Rows per batch: a mail's two bodies run to tens of kilobytes. */
const BATCH = 200;
const FIRST_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * P9 (docs/adr/0070, addendum of 2026-12-04, fourth session): notification keeps the mail it sent
 * (`GET /v1/mail/outbox`) as rendered from text older releases did not mask: a staff escalation
 * notice quoting a rating's "password: …", an agent's answer, subjects repeating the ticket's; and
 * each ticket's mail contact, whose subject every later mail of the ticket repeats. Masks them
 * with the detection that text now goes through upstream, in batches by primary key: subjects and
 * plain bodies as text, HTML bodies run by run (`htmlWithoutAccessParticulars`), so each stays as
 * `renderBlocks` would write it. Nothing to undo: the clear text is gone.
 */
export class MaskSentMail1765501340000 implements MigrationInterface {
  name = 'MaskSentMail1765501340000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = FIRST_UUID; ; ) {
      const rows = (await queryRunner.query(`SELECT ticket_id::text AS id, subject FROM notification.mail_contacts WHERE ticket_id > $1::uuid ORDER BY ticket_id LIMIT ${BATCH}`, [after])) as {
        id: string;
        subject: string;
      }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const subject = withoutAccessParticulars(row.subject);
        if (subject !== row.subject) await queryRunner.query(`UPDATE notification.mail_contacts SET subject = $2 WHERE ticket_id = $1::uuid`, [row.id, subject]);
      }
      after = rows[rows.length - 1].id;
    }
    for (let after = FIRST_UUID; ; ) {
      const rows = (await queryRunner.query(
        `SELECT id::text AS id, subject, text_body, html_body FROM notification.mail_messages WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`,
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
