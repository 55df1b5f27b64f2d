import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue #10: clocks with a whole lifecycle (policy version, schedule, what was published, how they
 * ended) and sla-timer's projection of tickets (status, level, last applied sequence).
 *
 * Clocks known before it keep their due time; their schedule is the default policy's (version 1),
 * without warnings, and each running one gets its breach timer. Their tickets are projected with
 * no sequence: the next event of each applies. Operators read this in docs/operations.md, "Upgrade
 * notes". Not expand-only (target_ms, overdue_at NOT NULL): its compatibility floor is recorded by
 * 1765501400000 (docs/adr/0071).
 */
export class ClockLifecycle1765200000000 implements MigrationInterface {
  name = 'ClockLifecycle1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE sla_timer.response_clocks
        ADD COLUMN product              text,
        ADD COLUMN owed_by              text        NOT NULL DEFAULT 'support',
        ADD COLUMN started_by           text        NOT NULL DEFAULT 'created',
        ADD COLUMN target_ms            bigint,
        ADD COLUMN warnings             jsonb       NOT NULL DEFAULT '[]',
        ADD COLUMN overdue_at           timestamptz,
        ADD COLUMN policy_scope         text        NOT NULL DEFAULT 'default',
        ADD COLUMN policy_version       integer     NOT NULL DEFAULT 1,
        ADD COLUMN warnings_published   jsonb       NOT NULL DEFAULT '[]',
        ADD COLUMN breach_published_at  timestamptz,
        ADD COLUMN overdue_published_at timestamptz,
        ADD COLUMN stopped_at           timestamptz,
        ADD COLUMN stop_reason          text,
        ADD COLUMN responded_at         timestamptz`);
    await queryRunner.query(`
      UPDATE sla_timer.response_clocks
         SET target_ms = (extract(epoch FROM due_at - started_at) * 1000)::bigint,
             overdue_at = started_at + (due_at - started_at) * 1.5`);
    await queryRunner.query(`ALTER TABLE sla_timer.response_clocks ALTER COLUMN target_ms SET NOT NULL, ALTER COLUMN overdue_at SET NOT NULL`);
    // P5: at most one response owed per ticket at a time: one open clock (running, or breached and unanswered).
    await queryRunner.query(`DROP INDEX sla_timer.response_clocks_one_running`);
    await queryRunner.query(`CREATE UNIQUE INDEX response_clocks_one_open ON sla_timer.response_clocks (ticket_id) WHERE stopped_at IS NULL`);
    // GET /v1/reports/sla reads clocks by the time they started.
    await queryRunner.query(`CREATE INDEX response_clocks_started ON sla_timer.response_clocks (started_at)`);
    await queryRunner.query(`
      CREATE TABLE sla_timer.tickets (
        ticket_id     uuid        PRIMARY KEY,
        partner_id    uuid        NOT NULL,
        requester_id  text,
        product       text,
        level         text        NOT NULL,
        status        text        NOT NULL,
        received_at   timestamptz NOT NULL,
        resolved_at   timestamptz,
        last_sequence integer
      )`);
    await queryRunner.query(`CREATE INDEX sla_tickets_resolved ON sla_timer.tickets (resolved_at) WHERE resolved_at IS NOT NULL`);
    await queryRunner.query(`
      INSERT INTO sla_timer.tickets (ticket_id, partner_id, requester_id, level, status, received_at)
      SELECT DISTINCT ON (ticket_id) ticket_id, partner_id, requester_id, level, 'new', started_at
        FROM sla_timer.response_clocks ORDER BY ticket_id, started_at`);
    // One pending timer per open clock (docs/adr/0030): for these, the breach.
    await queryRunner.query(`
      INSERT INTO sla_timer.timers (id, kind, due_at, payload, next_attempt_at, scheduled_at)
      SELECT 'sla:' || id || ':breach', 'sla.breach', due_at, jsonb_build_object('clockId', id), due_at, created_at
        FROM sla_timer.response_clocks WHERE status = 'running'
      ON CONFLICT (id) DO NOTHING`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM sla_timer.timers WHERE kind IN ('sla.warning', 'sla.breach', 'sla.overdue')`);
    await queryRunner.query(`DROP TABLE sla_timer.tickets`);
    await queryRunner.query(`DROP INDEX sla_timer.response_clocks_started`);
    await queryRunner.query(`DROP INDEX sla_timer.response_clocks_one_open`);
    await queryRunner.query(`CREATE UNIQUE INDEX response_clocks_one_running ON sla_timer.response_clocks (ticket_id) WHERE status = 'running'`);
    await queryRunner.query(`
      ALTER TABLE sla_timer.response_clocks
        DROP COLUMN product, DROP COLUMN owed_by, DROP COLUMN started_by, DROP COLUMN target_ms, DROP COLUMN warnings,
        DROP COLUMN overdue_at, DROP COLUMN policy_scope, DROP COLUMN policy_version, DROP COLUMN warnings_published,
        DROP COLUMN breach_published_at, DROP COLUMN overdue_published_at, DROP COLUMN stopped_at, DROP COLUMN stop_reason,
        DROP COLUMN responded_at`);
  }
}
