import { Client } from 'pg';
import type { EmbeddedPostgres } from '@tss/persistence';

/**
 * Restarts `pg` with pg_stat_statements preloaded (it cannot be loaded later), so a benchmark can
 * count the statements its system sends. Each database that is to be counted still needs
 * `CREATE EXTENSION pg_stat_statements`.
 */
export const restartWithStatementStats = async (pg: EmbeddedPostgres): Promise<void> => {
  const admin = new Client({ connectionString: pg.url() });
  await admin.connect();
  try {
    await admin.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
    // Statements inside triggers and functions too (`toplevel` tells them apart).
    await admin.query(`ALTER SYSTEM SET pg_stat_statements.track = 'all'`);
    // Planning as well as execution: a statement planned afresh each time can cost more to plan than to run.
    await admin.query(`ALTER SYSTEM SET pg_stat_statements.track_planning = on`);
  } finally {
    await admin.end();
  }
  await pg.stop();
  await pg.start();
};

/**
 * The statements since the last `pg_stat_statements_reset()`, heaviest first by execution and planning time,
 * each as calls and milliseconds per `unit` (a ticket, a delivery): what PostgreSQL spent its time on.
 */
export const heaviestStatements = async (db: Client, units: number, limit = 20) => {
  const { rows } = await db.query<{ calls: string; ms: number; plan_ms: number; query: string }>(
    `SELECT calls, total_exec_time AS ms, total_plan_time AS plan_ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query
       FROM pg_stat_statements WHERE toplevel ORDER BY total_exec_time + total_plan_time DESC LIMIT $1`,
    [limit],
  );
  const total = await db.query<{ calls: string; ms: number; plan_ms: number }>(
    'SELECT sum(calls) AS calls, sum(total_exec_time) AS ms, sum(total_plan_time) AS plan_ms FROM pg_stat_statements WHERE toplevel',
  );
  const per = (n: number, digits: number) => Number((n / units).toFixed(digits));
  return {
    callsPerUnit: per(Number(total.rows[0].calls), 2),
    msPerUnit: per(Number(total.rows[0].ms), 3),
    planMsPerUnit: per(Number(total.rows[0].plan_ms), 3),
    top: rows.map((r) => ({ callsPerUnit: per(Number(r.calls), 3), msPerUnit: per(Number(r.ms), 4), planMsPerUnit: per(Number(r.plan_ms), 4), query: r.query })),
  };
};
