import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * P11: the tickets that follow one up (`GET /v1/tickets?linkedTicketId=`), which the support site
 * reads on every view of a resolved or closed ticket so that "not solved" files one follow-up, not
 * one per click (docs/adr/0037, addendum of 2026-12-04, third session). Partial: few tickets are follow-ups.
 */
export class TicketFollowUps1765500600000 implements MigrationInterface {
  name = 'TicketFollowUps1765500600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX tickets_linked_ticket ON ticket_intake.tickets (linked_ticket_id) WHERE linked_ticket_id IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ticket_intake.tickets_linked_ticket`);
  }
}
