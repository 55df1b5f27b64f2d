import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue #10: SLA policies and partners' agreements, one row per version, never updated in place
 * (a clock keeps the version it started under). Version 1 of the default is the rules' own policy
 * (P5: 6 h, 12 h, 24 h, 7 d, 24/7; warnings at 50/75/90 %, overdue at 150 %; phone support for
 * consulting, P12), written out here so it never changes with the code.
 */
const RULES_POLICY = {
  levels: {
    emergency: { targetMs: 21_600_000, phoneSupport: false },
    standard: { targetMs: 43_200_000, phoneSupport: false },
    consulting: { targetMs: 86_400_000, phoneSupport: true },
    development: { targetMs: 604_800_000, phoneSupport: false },
  },
  warningAt: [0.5, 0.75, 0.9],
  overdueAt: 1.5,
};

export class SlaPolicies1765100100000 implements MigrationInterface {
  name = 'SlaPolicies1765100100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sla_timer.sla_policies (
        scope       text        NOT NULL,
        version     integer     NOT NULL CHECK (version > 0),
        policy      jsonb       NOT NULL,
        created_at  timestamptz NOT NULL,
        created_by  text,
        PRIMARY KEY (scope, version)
      )`);
    await queryRunner.query(`INSERT INTO sla_timer.sla_policies (scope, version, policy, created_at, created_by) VALUES ('default', 1, $1, '2026-01-01T00:00:00Z', NULL)`, [
      JSON.stringify(RULES_POLICY),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE sla_timer.sla_policies`);
  }
}
