import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A message's author may be `email_sender`: mail threaded onto a ticket from an address other than
 * the requester's, named by that address in `author_name` with no `author_id` (docs/adr/0035,
 * addendum). Such mail was recorded as the requester's, under their id.
 */
export class MessageEmailSender1765000400000 implements MigrationInterface {
  name = 'MessageEmailSender1765000400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE ticket_intake.messages
        DROP CONSTRAINT messages_author_kind_check,
        ADD CONSTRAINT messages_author_kind_check CHECK (author_kind IN ('requester', 'agent', 'system', 'email_sender'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE ticket_intake.messages SET author_kind = 'requester' WHERE author_kind = 'email_sender'`);
    await queryRunner.query(`
      ALTER TABLE ticket_intake.messages
        DROP CONSTRAINT messages_author_kind_check,
        ADD CONSTRAINT messages_author_kind_check CHECK (author_kind IN ('requester', 'agent', 'system'))`);
  }
}
