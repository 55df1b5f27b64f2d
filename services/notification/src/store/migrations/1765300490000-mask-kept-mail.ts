import type { MigrationInterface, QueryRunner } from 'typeorm';
import { withoutAccessParticulars } from '@tss/service-kit';

const BATCH = 500;

/**
 * P9 (docs/adr/0070): mail kept before notification masked every mail still holds the access
 * particulars of threaded and filed mail in clear, in `inbound_messages` and in the published
 * `notification.email_received` outbox rows (kept until event retention prunes them). Masks both,
 * in batches, with the detection new mail goes through. Nothing to undo: the clear text is gone.
 */
export class MaskKeptMail1765300490000 implements MigrationInterface {
  name = 'MaskKeptMail1765300490000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = ''; ; ) {
      const rows = (await queryRunner.query(
        `SELECT id::text AS id, subject, text_body FROM notification.inbound_messages WHERE id::text > $1 ORDER BY id::text LIMIT ${BATCH}`,
        [after],
      )) as { id: string; subject: string; text_body: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const subject = withoutAccessParticulars(row.subject);
        const text = withoutAccessParticulars(row.text_body);
        if (subject !== row.subject || text !== row.text_body) {
          await queryRunner.query(`UPDATE notification.inbound_messages SET subject = $2, text_body = $3 WHERE id = $1::uuid`, [row.id, subject, text]);
        }
      }
      after = rows[rows.length - 1].id;
    }
    for (let after = 0; ; ) {
      const rows = (await queryRunner.query(
        `SELECT position::text AS position, event->'data'->>'subject' AS subject, event->'data'->>'text' AS text
           FROM notification.outbox WHERE event_type = 'notification.email_received' AND position > $1 ORDER BY position LIMIT ${BATCH}`,
        [after],
      )) as { position: string; subject: string | null; text: string | null }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const subject = row.subject === null ? null : withoutAccessParticulars(row.subject);
        const text = row.text === null ? null : withoutAccessParticulars(row.text);
        if (subject !== row.subject || text !== row.text) {
          await queryRunner.query(
            `UPDATE notification.outbox
                SET event = jsonb_set(jsonb_set(event, '{data,subject}', to_jsonb($2::text)), '{data,text}', to_jsonb($3::text)) #- '{data,inTransit}'
              WHERE position = $1::bigint AND published_at IS NOT NULL`,
            [row.position, subject ?? '', text ?? ''],
          );
        }
      }
      after = Number(rows[rows.length - 1].position);
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}
