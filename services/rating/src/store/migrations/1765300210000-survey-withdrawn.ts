import type { MigrationInterface, QueryRunner } from 'typeorm';

/** P11: a reopened ticket's unrated survey is withdrawn until the ticket is resolved again (docs/adr/0040, addendum). */
export class SurveyWithdrawn1765300210000 implements MigrationInterface {
  name = 'SurveyWithdrawn1765300210000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE rating.surveys DROP CONSTRAINT surveys_status_check`);
    await queryRunner.query(`ALTER TABLE rating.surveys ADD CONSTRAINT surveys_status_check CHECK (status IN ('open', 'rated', 'superseded', 'withdrawn'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // A withdrawn link was replaced by the reopening; the old schema knows only "superseded".
    await queryRunner.query(`UPDATE rating.surveys SET status = 'superseded' WHERE status = 'withdrawn'`);
    await queryRunner.query(`ALTER TABLE rating.surveys DROP CONSTRAINT surveys_status_check`);
    await queryRunner.query(`ALTER TABLE rating.surveys ADD CONSTRAINT surveys_status_check CHECK (status IN ('open', 'rated', 'superseded'))`);
  }
}
