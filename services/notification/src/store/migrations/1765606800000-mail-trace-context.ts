import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The trace a mail was queued in (W3C `traceparent`/`tracestate`, as a webhook delivery keeps
 * them), so its send, its `notification.acknowledgment_sent` and its log lines are in the ticket's
 * trace, not one of their own (docs/adr/0022, addendum of 2026-12-05, sixth session). Nullable, no
 * default: a mail queued by an older release, or outside any trace, is sent in a trace of its own,
 * as before.
 */
export class MailTraceContext1765606800000 implements MigrationInterface {
  name = 'MailTraceContext1765606800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.mail_messages ADD COLUMN traceparent text, ADD COLUMN tracestate text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.mail_messages DROP COLUMN traceparent, DROP COLUMN tracestate`);
  }
}
