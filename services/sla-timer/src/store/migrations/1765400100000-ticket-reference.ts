import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * P3: each ticket's reference number (from `ticket.created`), so `GET /v1/tickets/{reference}/sla`
 * finds the ticket as every other ticket route does. Tickets known before it have none: they are
 * found by id only.
 */
export class TicketReference1765400100000 implements MigrationInterface {
  name = 'TicketReference1765400100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sla_timer.tickets ADD COLUMN reference text`);
    // Not unique here: uniqueness is intake's constraint, and a projection must not refuse an event over it.
    await queryRunner.query(`CREATE INDEX sla_tickets_reference ON sla_timer.tickets (reference) WHERE reference IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX sla_timer.sla_tickets_reference`);
    await queryRunner.query(`ALTER TABLE sla_timer.tickets DROP COLUMN reference`);
  }
}
