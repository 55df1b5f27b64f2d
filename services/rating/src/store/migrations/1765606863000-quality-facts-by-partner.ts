import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently } from '@tss/persistence';

const INDEX = 'rating.quality_facts_partner_at';

/**
 * `GET /v1/reports/quality?partner=…` (docs/adr/0030, addendum of 2026-12-05, seventh session) read
 * every partner's facts of the period by `quality_facts_at` and filtered them; this reads one
 * partner's range only. Built CONCURRENTLY, outside a transaction, as sla-timer's 1765606862000:
 * a fact is written per response, rating and clock outcome.
 */
export class QualityFactsByPartner1765606863000 implements MigrationInterface {
  name = 'QualityFactsByPartner1765606863000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await createIndexConcurrently(queryRunner, 'rating', 'quality_facts_partner_at', 'quality_facts (partner_id, at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ${INDEX}`);
  }
}
