import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `lastNotifiedAt` is the last notice that reached someone, null while none has (docs/adr/0038,
 * addendum of 2026-12-04, seventh session). Expand-only (docs/adr/0071): `last_notified_at` stays
 * NOT NULL, as older releases read it, and `nobody_notified` says that no notice has reached anyone
 * yet (its default false is what an older release's insert means). Escalations raised with no one
 * on duty and never re-notified reached nobody; one re-notified since keeps its instant (an earlier
 * notice may have reached someone: the targets kept are the last ones only).
 */
export class EscalationLastNotified1765603000000 implements MigrationInterface {
  name = 'EscalationLastNotified1765603000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE escalation.escalations ADD COLUMN nobody_notified boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`UPDATE escalation.escalations SET nobody_notified = true WHERE renotices = 0 AND cardinality(target_staff_ids) = 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE escalation.escalations DROP COLUMN nobody_notified`);
  }
}
