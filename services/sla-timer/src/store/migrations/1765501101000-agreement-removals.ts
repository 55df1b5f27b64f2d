import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A partner's agreement dropped (`DELETE /v1/partners/{id}/sla-policy`) is a version of its own,
 * `removed`, so the history shows it and version numbers never repeat (docs/adr/0031, addendum of
 * 2026-12-04, fourth session). Expand only: the row keeps the terms it ended in `policy` (NOT NULL
 * stays), so an older release, which reads a scope's newest row as its agreement, runs on those
 * terms rather than failing; only the default is never dropped.
 */
export class AgreementRemovals1765501101000 implements MigrationInterface {
  name = 'AgreementRemovals1765501101000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sla_timer.sla_policies ADD COLUMN removed boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE sla_timer.sla_policies ADD CONSTRAINT sla_policies_default_never_removed CHECK (NOT removed OR scope <> 'default')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sla_timer.sla_policies DROP CONSTRAINT sla_policies_default_never_removed`);
    await queryRunner.query(`ALTER TABLE sla_timer.sla_policies DROP COLUMN removed`);
  }
}
