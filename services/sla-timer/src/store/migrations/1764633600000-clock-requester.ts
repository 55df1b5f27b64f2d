import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The requester of each clock's ticket (from `ticket.created`), so a requester token reads only
 * its own tickets' clocks (DESIGN "Tenancy"). Clocks created before it have none: only their
 * partner reads them.
 */
export class ClockRequester1764633600000 implements MigrationInterface {
  name = 'ClockRequester1764633600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sla_timer.response_clocks ADD COLUMN requester_id text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sla_timer.response_clocks DROP COLUMN requester_id`);
  }
}
