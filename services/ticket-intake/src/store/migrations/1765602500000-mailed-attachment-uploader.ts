import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * P8 (docs/adr/0035, addendum of 2026-12-04, sixth session): a file the requester mailed was
 * uploaded by `{"kind": "requester", "id": <From address>}` while its message (or the ticket, for a
 * mail-filed one) named the requester by their id (`mail:<address>`, or a partner's id): a client
 * could not match them. A mailed file is the one linked to a message that carries a Message-ID:
 * - on a threaded reply of the requester, it takes the message author's id, when its uploader is
 *   the address that message names (`author_name`, the From);
 * - on the filing note of a mail-filed ticket (a system message), it takes the ticket's requester
 *   id, when its uploader is the requester's address on the request.
 * Another sender's files (`email_sender`) stay named by address, as their messages are; uploads
 * over HTTP carry no Message-ID and are not touched.
 */
export class MailedAttachmentUploader1765602500000 implements MigrationInterface {
  name = 'MailedAttachmentUploader1765602500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      UPDATE ticket_intake.attachments a SET uploaded_by_id = m.author_id
        FROM ticket_intake.messages m
       WHERE a.message_id = m.id AND m.email_message_id IS NOT NULL
         AND a.uploaded_by_kind = 'requester' AND m.author_kind = 'requester' AND m.author_id IS NOT NULL
         AND lower(a.uploaded_by_id) = lower(m.author_name)`);
    await queryRunner.query(`
      UPDATE ticket_intake.attachments a SET uploaded_by_id = t.requester_id
        FROM ticket_intake.messages m, ticket_intake.tickets t
       WHERE a.message_id = m.id AND m.email_message_id IS NOT NULL AND m.author_kind = 'system'
         AND t.id = a.ticket_id AND t.requester_id IS NOT NULL
         AND a.uploaded_by_kind = 'requester' AND lower(a.uploaded_by_id) = lower(t.request->'requester'->>'email')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      UPDATE ticket_intake.attachments a SET uploaded_by_id = m.author_name
        FROM ticket_intake.messages m
       WHERE a.message_id = m.id AND m.email_message_id IS NOT NULL
         AND a.uploaded_by_kind = 'requester' AND m.author_kind = 'requester' AND m.author_name IS NOT NULL
         AND a.uploaded_by_id = m.author_id`);
    await queryRunner.query(`
      UPDATE ticket_intake.attachments a SET uploaded_by_id = t.request->'requester'->>'email'
        FROM ticket_intake.messages m, ticket_intake.tickets t
       WHERE a.message_id = m.id AND m.email_message_id IS NOT NULL AND m.author_kind = 'system'
         AND t.id = a.ticket_id AND t.request->'requester'->>'email' IS NOT NULL
         AND a.uploaded_by_kind = 'requester' AND a.uploaded_by_id = t.requester_id`);
  }
}
