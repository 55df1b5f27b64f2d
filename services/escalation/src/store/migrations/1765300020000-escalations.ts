import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue #12: escalation records; one per (rule, cause) so a redelivered or duplicated event never raises twice. */
export class Escalations1765300020000 implements MigrationInterface {
  name = 'Escalations1765300020000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE escalation.escalations (
        id                uuid PRIMARY KEY,
        ticket_id         uuid        NOT NULL,
        partner_id        uuid        NOT NULL,
        kind              text        NOT NULL,
        level             smallint    CHECK (level IN (1, 2)),
        rule              text        NOT NULL,
        cause_key         text        NOT NULL,
        cause_event_id    text        NOT NULL,
        cause_type        text        NOT NULL,
        target_role       text        NOT NULL,
        target_staff_ids  text[]      NOT NULL,
        survey_id         uuid,
        quote             text,
        summary           text        NOT NULL,
        status            text        NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
        raised_at         timestamptz NOT NULL,
        acknowledged_at   timestamptz,
        acknowledged_by   text,
        resolved_at       timestamptz,
        resolved_by       text,
        outcome           text,
        renotices         integer     NOT NULL DEFAULT 0,
        last_notified_at  timestamptz NOT NULL,
        CONSTRAINT escalations_one_per_cause UNIQUE (rule, cause_key)
      )`);
    await queryRunner.query(`CREATE INDEX escalations_ticket ON escalation.escalations (ticket_id, raised_at)`);
    await queryRunner.query(`CREATE INDEX escalations_open ON escalation.escalations (raised_at DESC, id) WHERE status <> 'resolved'`);
    await queryRunner.query(`CREATE INDEX escalations_raised ON escalation.escalations (raised_at DESC, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE escalation.escalations`);
  }
}
