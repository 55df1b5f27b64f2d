import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The notification processes (replicas) alive now: each registers a row with a random id and beats
 * it every few seconds by the database's clock; work an instance took (a mail attempt, a webhook
 * claim) names it, and any live instance takes back the work of one that stopped beating
 * (docs/adr/0035, addendum of 2026-12-04, seventh session). Rows of dead instances are pruned.
 * A new table: older releases never read it, so no compatibility floor is needed.
 */
export class NotificationInstances1765602700000 implements MigrationInterface {
  name = 'NotificationInstances1765602700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE notification.instances (
        id           uuid        PRIMARY KEY,
        started_at   timestamptz NOT NULL,
        heartbeat_at timestamptz NOT NULL,
        host         text        NOT NULL,
        pid          integer     NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE notification.instances`);
  }
}
