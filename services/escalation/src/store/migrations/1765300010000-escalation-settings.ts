import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue #12: the rule set and the roster, each a versioned document (every PUT a new version, the latest in force). */
export class EscalationSettings1765300010000 implements MigrationInterface {
  name = 'EscalationSettings1765300010000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE escalation.rule_sets (
        version     integer PRIMARY KEY CHECK (version >= 1),
        rules       jsonb       NOT NULL,
        changed_by  text        NOT NULL,
        changed_at  timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE escalation.rosters (
        version     integer PRIMARY KEY CHECK (version >= 1),
        roster      jsonb       NOT NULL,
        changed_by  text        NOT NULL,
        changed_at  timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE escalation.rosters`);
    await queryRunner.query(`DROP TABLE escalation.rule_sets`);
  }
}
