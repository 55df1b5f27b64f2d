import type { MigrationInterface, QueryRunner } from 'typeorm';
import { withoutAccessParticulars } from '@tss/service-kit';
import { htmlWithoutAccessParticulars } from '../../domain/mail-template';

const BATCH = 500;
/** Rows per batch of mail: its two bodies run to tens of kilobytes. */
const MAIL_BATCH = 200;
const FIRST_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): a webhook endpoint's description was
 * taken as written ("Alerts; password: …"), kept in `notification.webhook_endpoints`, listed, and
 * repeated in the mail telling its owner of its disabling (`webhook_endpoint_disabled` in
 * `notification.mail_messages`); and the staff directory copied each display name the gateway
 * announced as written. New descriptions are refused, new names arrive without particulars. This
 * masks what was kept with the same detection, removed (notification has no vault): descriptions,
 * display names, and those mails' subject and bodies (HTML run by run, as `renderBlocks` writes
 * it). Batches by primary key, only changed rows written; masked text holds nothing the detection
 * finds, so a second run changes nothing. No event of notification's carries either text. Nothing
 * to undo: the clear text is gone.
 */
export class MaskKeptDescriptionsAndNames1765606410000 implements MigrationInterface {
  name = 'MaskKeptDescriptionsAndNames1765606410000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = FIRST_UUID; ; ) {
      const rows = (await queryRunner.query(`SELECT id::text AS id, description FROM notification.webhook_endpoints WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`, [after])) as {
        id: string;
        description: string;
      }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const description = withoutAccessParticulars(row.description);
        if (description !== row.description) await queryRunner.query(`UPDATE notification.webhook_endpoints SET description = $2 WHERE id = $1::uuid`, [row.id, description]);
      }
      after = rows[rows.length - 1].id;
    }
    for (let after: string | undefined; ; ) {
      const rows = (await queryRunner.query(
        `SELECT staff_id AS id, display_name AS name FROM notification.staff_directory
          WHERE display_name IS NOT NULL ${after === undefined ? '' : 'AND staff_id > $1'} ORDER BY staff_id LIMIT ${BATCH}`,
        after === undefined ? [] : [after],
      )) as { id: string; name: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const name = withoutAccessParticulars(row.name);
        if (name !== row.name) await queryRunner.query(`UPDATE notification.staff_directory SET display_name = $2 WHERE staff_id = $1`, [row.id, name]);
      }
      after = rows[rows.length - 1].id;
    }
    for (let after = FIRST_UUID; ; ) {
      const rows = (await queryRunner.query(
        `SELECT id::text AS id, subject, text_body, html_body FROM notification.mail_messages
          WHERE id > $1::uuid AND kind = 'webhook_endpoint_disabled' ORDER BY id LIMIT ${MAIL_BATCH}`,
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
