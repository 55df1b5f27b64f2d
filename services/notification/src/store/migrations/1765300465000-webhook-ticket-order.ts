import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * docs/adr/0066: one endpoint's deliveries of one ticket go out in the order they were queued. A
 * delivery keeps its event's `subject` (the ticket) and its place in line (`queue_seq`, from a
 * sequence: `created_at` ties within a batch and across batches at one instant). One queued
 * behind an unfinished delivery of its ticket waits `held`, out of the ready index, so claims never
 * read it; the delivery ahead releases it when it ends. Rows queued before keep no subject: unordered.
 */
export class WebhookTicketOrder1765300465000 implements MigrationInterface {
  name = 'WebhookTicketOrder1765300465000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const T = 'notification.webhook_deliveries';
    await queryRunner.query(`ALTER TABLE ${T} DROP CONSTRAINT webhook_deliveries_status_check`);
    // NOT VALID, then validated: the check reads every row without blocking writes meanwhile.
    await queryRunner.query(
      `ALTER TABLE ${T} ADD CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('pending', 'held', 'ready', 'in_flight', 'succeeded', 'failed', 'cancelled')) NOT VALID`,
    );
    await queryRunner.query(`ALTER TABLE ${T} VALIDATE CONSTRAINT webhook_deliveries_status_check`);
    await queryRunner.query(`CREATE SEQUENCE notification.webhook_deliveries_queue_seq AS bigint`);
    // Nullable, no default at ADD: no table rewrite; rows queued from now on take the next number.
    await queryRunner.query(`ALTER TABLE ${T} ADD COLUMN subject text, ADD COLUMN queue_seq bigint`);
    await queryRunner.query(`ALTER TABLE ${T} ALTER COLUMN queue_seq SET DEFAULT nextval('notification.webhook_deliveries_queue_seq')`);
    await queryRunner.query(`ALTER SEQUENCE notification.webhook_deliveries_queue_seq OWNED BY ${T}.queue_seq`);
    // A ticket's unfinished deliveries to an endpoint, in line: what queuing and releasing look up.
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_unfinished_by_subject ON ${T} (endpoint_id, subject, queue_seq)
        WHERE status IN ('pending', 'held', 'ready', 'in_flight') AND subject IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const T = 'notification.webhook_deliveries';
    await queryRunner.query(`DROP INDEX notification.webhook_deliveries_unfinished_by_subject`);
    await queryRunner.query(`UPDATE ${T} SET status = 'ready' WHERE status = 'held'`);
    await queryRunner.query(`ALTER TABLE ${T} DROP COLUMN queue_seq, DROP COLUMN subject`);
    await queryRunner.query(`ALTER TABLE ${T} DROP CONSTRAINT webhook_deliveries_status_check`);
    await queryRunner.query(
      `ALTER TABLE ${T} ADD CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('pending', 'ready', 'in_flight', 'succeeded', 'failed', 'cancelled'))`,
    );
  }
}
