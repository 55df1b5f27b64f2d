import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The instance whose attempt of a pending mail is under way (null when none is: never tried, or
 * waiting for its retry), so a live instance can take back the attempt of one that died mid-send
 * instead of waiting out the attempt's bound (docs/adr/0035, addendum of 2026-12-04, seventh
 * session). The partial index holds only attempts under way: the sweep every instance runs reads
 * it in full. Nullable, no default: an older release writes nothing, and its attempts are left to
 * their bound, as before.
 */
export class MailAttemptInstance1765602701000 implements MigrationInterface {
  name = 'MailAttemptInstance1765602701000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.mail_messages ADD COLUMN attempt_instance_id uuid`);
    await queryRunner.query(
      `CREATE INDEX mail_messages_attempts_under_way ON notification.mail_messages (attempt_instance_id) WHERE status = 'pending' AND attempt_instance_id IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX notification.mail_messages_attempts_under_way`);
    await queryRunner.query(`ALTER TABLE notification.mail_messages DROP COLUMN attempt_instance_id`);
  }
}
