import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staff signed in through single sign-on, recorded when the gateway first sees their verified
 * token and announced as `staff.*` (docs/adr/0012, addendum of 2026-12-04, fifth session). The id
 * is their tokens' subject, `<iss>|<sub>`.
 */
export class SsoStaff1765600650000 implements MigrationInterface {
  name = 'SsoStaff1765600650000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE gateway.sso_staff (
        staff_id      text        PRIMARY KEY,
        roles         text[]      NOT NULL,
        display_name  text,
        email         text,
        active        boolean     NOT NULL,
        first_seen_at timestamptz NOT NULL,
        changed_at    timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE gateway.sso_staff`);
  }
}
