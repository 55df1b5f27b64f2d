import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Room on each page of the clocks for their updates (docs/adr/0041): a fired timer updates its
 * clock's status and what was published, none of them indexed, so with free space on the page the
 * update is HOT and writes none of the clocks' four indexes. Applies to pages written from now on.
 */
export class ClocksFillfactor1765300500000 implements MigrationInterface {
  name = 'ClocksFillfactor1765300500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sla_timer.response_clocks SET (fillfactor = 80)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sla_timer.response_clocks RESET (fillfactor)`);
  }
}
