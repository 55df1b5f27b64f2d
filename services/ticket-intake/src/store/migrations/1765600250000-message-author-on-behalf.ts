import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A message's author may be `staff` with `on_behalf_of_requester_id`: a staff member writing
 * through a support-site link they minted, in the requester's name (docs/adr/0037, addendum of
 * 2026-12-04, fifth session, follow-up). Such words were stored as the requester's; the history
 * already named the staff member (`message_received` by `staff`, `detail.onBehalfOf`), so they are
 * re-attributed from it.
 */
export class MessageAuthorOnBehalf1765600250000 implements MigrationInterface {
  name = 'MessageAuthorOnBehalf1765600250000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE ticket_intake.messages
        ADD COLUMN on_behalf_of_requester_id text,
        DROP CONSTRAINT messages_author_kind_check,
        ADD CONSTRAINT messages_author_kind_check CHECK (author_kind IN ('requester', 'agent', 'system', 'email_sender', 'staff')),
        ADD CONSTRAINT messages_on_behalf_of_check CHECK ((author_kind = 'staff') = (on_behalf_of_requester_id IS NOT NULL))`);
    await queryRunner.query(`
      UPDATE ticket_intake.messages m
         SET author_kind = 'staff', author_id = h.actor_id, on_behalf_of_requester_id = h.detail->'onBehalfOf'->>'id'
        FROM ticket_intake.ticket_history h
       WHERE h.action = 'message_received' AND h.actor_kind = 'staff' AND h.detail->'onBehalfOf'->>'kind' = 'requester'
         AND h.ticket_id = m.ticket_id AND h.detail->>'messageId' = m.id::text AND m.author_kind = 'requester'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE ticket_intake.messages SET author_kind = 'requester', author_id = on_behalf_of_requester_id, on_behalf_of_requester_id = NULL WHERE author_kind = 'staff'`);
    await queryRunner.query(`
      ALTER TABLE ticket_intake.messages
        DROP CONSTRAINT messages_on_behalf_of_check,
        DROP CONSTRAINT messages_author_kind_check,
        ADD CONSTRAINT messages_author_kind_check CHECK (author_kind IN ('requester', 'agent', 'system', 'email_sender')),
        DROP COLUMN on_behalf_of_requester_id`);
  }
}
