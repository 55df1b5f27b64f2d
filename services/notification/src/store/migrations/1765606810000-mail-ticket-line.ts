import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A ticket's requester mails go out in the order they were queued, the acknowledgment first
 * (docs/adr/0035, addendum of 2026-12-05, seventh session). A requester mail of a ticket takes its
 * place in the ticket's line (`queue_seq`, from a sequence: `created_at` ties within a transaction,
 * where the acknowledgment and a refusal are queued together); one queued while an earlier one of
 * its ticket is pending is `held`, and is not sent before every earlier one has ended (sent, or
 * failed for good). Staff mail and mail without a ticket have no place (`queue_seq` null), nor has
 * mail queued before this migration: they wait for nothing and hold nothing up. Nullable, no
 * default on `queue_seq` (the queuing statement numbers requester mail only), and a constant
 * default on `held`: no table rewrite, and an older release's rows wait for nothing, as before.
 */
export class MailTicketLine1765606810000 implements MigrationInterface {
  name = 'MailTicketLine1765606810000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const T = 'notification.mail_messages';
    await queryRunner.query(`CREATE SEQUENCE notification.mail_messages_queue_seq AS bigint`);
    await queryRunner.query(`ALTER TABLE ${T} ADD COLUMN queue_seq bigint, ADD COLUMN held boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER SEQUENCE notification.mail_messages_queue_seq OWNED BY ${T}.queue_seq`);
    // A ticket's pending mails in line: what queuing, the check of a held mail and the release look up.
    await queryRunner.query(`CREATE INDEX mail_messages_pending_in_line ON ${T} (ticket_id, queue_seq) WHERE status = 'pending' AND queue_seq IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const T = 'notification.mail_messages';
    await queryRunner.query(`DROP INDEX notification.mail_messages_pending_in_line`);
    // The sequence goes with the column it is owned by.
    await queryRunner.query(`ALTER TABLE ${T} DROP COLUMN held, DROP COLUMN queue_seq`);
  }
}
