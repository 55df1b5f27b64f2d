import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertSchemaName } from '@tss/persistence';

type MigrationClass = new () => MigrationInterface;

/**
 * What timer retention deletes by (docs/adr/0041): fired rows by their firing time, so each
 * pruning batch reads only the rows it deletes. Partial: pending timers (the million open ones)
 * have no entry and cost nothing here.
 */
export const timersRetentionIndexMigration = (schema: string): MigrationClass => {
  const s = assertSchemaName(schema);
  return class TimersRetentionIndex1765065800000 implements MigrationInterface {
    name = 'TimersRetentionIndex1765065800000';

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`CREATE INDEX timers_fired_at ON "${s}".timers (fired_at) WHERE status = 'fired'`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP INDEX "${s}".timers_fired_at`);
    }
  };
};
