import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * P11: a rating taken after its ticket had been reopened (rating had not read the reopening yet) is
 * withdrawn when the reopening arrives: kept for the record, counted nowhere (docs/adr/0040,
 * addendum of 2026-12-05, second session).
 */
export class WithdrawnRatings1765603800000 implements MigrationInterface {
  name = 'WithdrawnRatings1765603800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE rating.ratings ADD COLUMN withdrawn_at timestamptz, ADD COLUMN withdrawn_after_reopening_at timestamptz`);
    await queryRunner.query(
      `ALTER TABLE rating.ratings ADD CONSTRAINT ratings_withdrawn_check CHECK ((withdrawn_at IS NULL) = (withdrawn_after_reopening_at IS NULL))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The older schema cannot say "withdrawn": such ratings leave with their columns (their survey stays withdrawn).
    await queryRunner.query(`DELETE FROM rating.ratings WHERE withdrawn_at IS NOT NULL`);
    await queryRunner.query(`ALTER TABLE rating.ratings DROP CONSTRAINT ratings_withdrawn_check`);
    await queryRunner.query(`ALTER TABLE rating.ratings DROP COLUMN withdrawn_at, DROP COLUMN withdrawn_after_reopening_at`);
  }
}
