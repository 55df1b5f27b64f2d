import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently } from '@tss/persistence';

/**
 * `GET /v1/reports/sla?partner=…` (docs/adr/0030, addendum of 2026-12-05, seventh session) read every
 * partner's clocks and resolved tickets of the period (`response_clocks_started`,
 * `sla_tickets_resolved` have no partner) and filtered them. These read one partner's range only.
 *
 * Built CONCURRENTLY, outside a transaction: a clock is written per ticket and per response, and a
 * plain build would hold off the ticket consumers for as long as it reads the table. A build cut
 * short leaves an invalid index, which IF NOT EXISTS would keep: it is dropped first.
 */
const INDEXES = [
  { name: 'response_clocks_partner_started', on: 'response_clocks (partner_id, started_at)' },
  { name: 'sla_tickets_partner_resolved', on: 'tickets (partner_id, resolved_at) WHERE resolved_at IS NOT NULL' },
] as const;

export class ReportByPartner1765606862000 implements MigrationInterface {
  name = 'ReportByPartner1765606862000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const index of INDEXES) await createIndexConcurrently(queryRunner, 'sla_timer', index.name, index.on);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const index of INDEXES) await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS sla_timer.${index.name}`);
  }
}
