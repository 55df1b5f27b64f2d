import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A manual retry keeps the delivery's history: the attempt count goes on, and the failures stay in
 * the log. `round_start_attempts` is where the retry schedule's count starts (0, or the attempts
 * before the last manual retry); `failed_attempts` and `last_failure_*` outlive a later success.
 * Deliveries waiting for a retry or failed for good are filled from their last attempt, which
 * failed; the others' earlier failures were not kept.
 */
export class WebhookRetryHistory1765300470000 implements MigrationInterface {
  name = 'WebhookRetryHistory1765300470000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const T = 'notification.webhook_deliveries';
    // Constant defaults and nullable columns: no table rewrite.
    await queryRunner.query(
      `ALTER TABLE ${T} ADD COLUMN round_start_attempts integer NOT NULL DEFAULT 0, ADD COLUMN failed_attempts integer NOT NULL DEFAULT 0,
         ADD COLUMN last_failed_at timestamptz, ADD COLUMN last_failure_status_code integer, ADD COLUMN last_failure_error text`,
    );
    await queryRunner.query(
      `UPDATE ${T} SET failed_attempts = attempts, last_failed_at = last_attempt_at, last_failure_status_code = last_status_code, last_failure_error = last_error
        WHERE status IN ('pending', 'failed') AND attempts > 0`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE notification.webhook_deliveries DROP COLUMN round_start_attempts, DROP COLUMN failed_attempts,
         DROP COLUMN last_failed_at, DROP COLUMN last_failure_status_code, DROP COLUMN last_failure_error`,
    );
  }
}
