import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateResponseClocks1764115400000 implements MigrationInterface {
  name = 'CreateResponseClocks1764115400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sla_timer.response_clocks (
        id          uuid PRIMARY KEY,
        ticket_id   uuid        NOT NULL,
        partner_id  uuid        NOT NULL,
        level       text        NOT NULL,
        status      text        NOT NULL,
        started_at  timestamptz NOT NULL,
        due_at      timestamptz NOT NULL,
        created_at  timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX response_clocks_ticket ON sla_timer.response_clocks (ticket_id)`);
    // At most one running clock per ticket.
    await queryRunner.query(`CREATE UNIQUE INDEX response_clocks_one_running ON sla_timer.response_clocks (ticket_id) WHERE status = 'running'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE sla_timer.response_clocks`);
  }
}
