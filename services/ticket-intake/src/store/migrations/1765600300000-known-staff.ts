import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The staff intake knows, projected from the gateway's `staff.*` events, so an assignment names a
 * staff member who works tickets and a disabled one's tickets go back to the queue (docs/adr/0027,
 * addendum of 2026-12-04, fifth session). Nothing is filled from the tickets: an `assignee_id` was
 * never checked before, so it proves nobody exists; staff are learned from what the broker still
 * holds of `tss.staff` and from the gateway's next announcement of each.
 */
export class KnownStaff1765600300000 implements MigrationInterface {
  name = 'KnownStaff1765600300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ticket_intake.staff (
        id         text        PRIMARY KEY,
        roles      text[]      NOT NULL,
        active     boolean     NOT NULL,
        changed_at timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ticket_intake.staff`);
  }
}
