// `npm run bench -- sla` (issues #10 and #15): 1,000,000 pending timers spread over four weeks,
// a share re-targeted and cancelled while the run goes on, then a burst of timers coming due
// within one second, fired by 1 and then 2 TimerWorker replicas (each a process of its own) on
// the real clock. Reports lateness (effect written − due time) p50/p99/max, the burst's
// throughput, the idle cost while a million timers are open and none is due (statements/s from
// pg_stat_statements, CPU of the replicas and of PostgreSQL), and the time to insert the million;
// against baselines measured in the same run on the same PostgreSQL: a `SELECT 1` round trip, an
// empty NOTIFY → LISTEN wake-up, and the same million rows into a bare table.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres, createServiceDataSource, ensureDatabase, initializeAndMigrate } from '@tss/persistence';
import { systemClock } from '@tss/service-kit';
import { freePort } from '@tss/service-kit/testing';
import { timersMigrations } from '@tss/timers';
import { restartWithStatementStats } from '../support/statement-stats';
import { writeResult, type BenchFigures } from '../support/results';
import { CLK_TCK, cpuTicks, killWithParent } from '../support/processes';
import { percentiles } from '../support/timing';

const SCHEMA = 'sla_bench';
const OPEN_TIMERS = Number(process.env.BENCH_SLA_TIMERS ?? 1_000_000);
const BURST = Number(process.env.BENCH_SLA_BURST ?? 10_000);
const IDLE_S = Number(process.env.BENCH_SLA_IDLE_S ?? 10);
/** Re-targets and cancels of the open timers per second while the replicas run. */
const RETARGETS_PER_S = Number(process.env.BENCH_SLA_RETARGETS_PER_S ?? 200);
const CANCELS_PER_S = Number(process.env.BENCH_SLA_CANCELS_PER_S ?? 50);
const INSERT_BATCH = 100_000;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const round = (n: number, digits = 1): number => Number(n.toFixed(digits));

/** A goal's verdict: met, or the factor by which the measured value misses the target. */
const goal = (measured: number, target: number) => ({ met: measured <= target, measured: round(measured, 3), target, ...(measured <= target ? {} : { missedByFactor: round(measured / target, 2) }) });

/** The share of one core the processes used over `run`; processes that come or go are left out. */
const cpuShare = async (pids: () => Promise<number[]>, run: () => Promise<void>): Promise<{ shareOfCore: number; seconds: number }> => {
  const before = new Map((await pids()).map((pid) => [pid, cpuTicks(pid)]));
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1_000;
  let ticks = 0;
  for (const pid of await pids()) {
    const a = before.get(pid);
    const b = cpuTicks(pid);
    if (a !== undefined && b !== undefined) ticks += b - a;
  }
  return { shareOfCore: round(ticks / CLK_TCK / seconds, 4), seconds: round(seconds, 1) };
};

interface Replica {
  child: ChildProcess;
  stop(): Promise<void>;
}

const startReplica = async (databaseUrl: string, owner: string): Promise<Replica> => {
  const child = killWithParent(
    spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'timer-replica.ts')], {
      env: { ...process.env, DATABASE_URL: databaseUrl, BENCH_SCHEMA: SCHEMA, BENCH_OWNER: owner },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-10_000)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica ${owner} not ready after 60 s:\n${output}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`replica ${owner} exited with ${code}:\n${output}`)));
  });
  return {
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
};

/** Round trips of `SELECT 1`, and of an empty NOTIFY until the LISTEN connection hears it. */
const baselines = async (url: string) => {
  const a = new Client({ connectionString: url });
  const b = new Client({ connectionString: url });
  await a.connect();
  await b.connect();
  try {
    const selects: number[] = [];
    for (let i = 0; i < 500; i += 1) {
      const t = performance.now();
      await a.query('SELECT 1');
      selects.push(performance.now() - t);
    }
    await b.query('LISTEN bench_wake');
    const wakes: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      const heard = once(b, 'notification');
      const t = performance.now();
      await a.query(`NOTIFY bench_wake`);
      await heard;
      wakes.push(performance.now() - t);
    }
    return { selectOneMs: percentiles(selects), notifyWakeUpMs: percentiles(wakes) };
  } finally {
    await a.end();
    await b.end();
  }
};

/** `count` rows like the timers of SLA clocks: due between 10 minutes and four weeks from `start`. */
const generatedRows = (table: string, from: number, count: number, start: Date) => ({
  sql: `INSERT INTO ${table} (id, kind, due_at, payload, next_attempt_at, scheduled_at)
        SELECT 'sla:' || g || ':breach', 'sla.breach', d, jsonb_build_object('clockId', g), d, $1::timestamptz
        FROM generate_series($2::int, $3::int) AS g,
             LATERAL (SELECT $1::timestamptz + (${10 * MINUTE} + random() * ${28 * DAY - 10 * MINUTE}) * interval '1 millisecond' + g * interval '0') AS x(d)`,
  params: [start, from, from + count - 1],
});

/** Re-targets and cancels random open timers at the configured rates until stopped. */
const churn = (db: Client) => {
  let running = true;
  const counts = { retargeted: 0, cancelled: 0, errors: 0 };
  const tickMs = 100;
  const done = (async () => {
    while (running) {
      const t = performance.now();
      try {
        const retarget = Math.round((RETARGETS_PER_S * tickMs) / 1_000);
        const cancel = Math.round((CANCELS_PER_S * tickMs) / 1_000);
        const now = systemClock.now();
        await db.query('BEGIN');
        // The upsert TimerStore.schedule runs, with a new due time 10 min – 4 weeks out.
        const r = await db.query(
          `INSERT INTO "${SCHEMA}".timers (id, kind, due_at, payload, next_attempt_at, scheduled_at)
           SELECT 'sla:' || g || ':breach', 'sla.breach', d, '{}'::jsonb, d, $1
           FROM (SELECT (1 + floor(random() * $2))::int AS g FROM generate_series(1, $3)) AS ids,
                LATERAL (SELECT $1::timestamptz + (${10 * MINUTE} + random() * ${28 * DAY - 10 * MINUTE}) * interval '1 millisecond' + g * interval '0') AS x(d)
           ON CONFLICT (id) DO UPDATE SET due_at = EXCLUDED.due_at, next_attempt_at = EXCLUDED.due_at, status = 'pending',
             claimed_by = NULL, claimed_until = NULL, claim_token = NULL, attempts = 0, scheduled_at = EXCLUDED.scheduled_at, fired_at = NULL`,
          [now, OPEN_TIMERS, retarget],
        );
        const c = await db.query(
          `DELETE FROM "${SCHEMA}".timers WHERE id IN (SELECT 'sla:' || (1 + floor(random() * $1))::int || ':breach' FROM generate_series(1, $2)) AND status = 'pending'`,
          [OPEN_TIMERS, cancel],
        );
        await db.query('COMMIT');
        counts.retargeted += r.rowCount ?? 0;
        counts.cancelled += c.rowCount ?? 0;
      } catch {
        counts.errors += 1;
        await db.query('ROLLBACK').catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, tickMs - (performance.now() - t))));
    }
  })();
  return {
    counts,
    stop: async () => {
      running = false;
      await done;
    },
  };
};

/** Statements the replicas ran, from pg_stat_statements (their connections' application_name is `bench:*`; churn's is not). */
const statementCalls = async (db: Client): Promise<number> => {
  const { rows } = await db.query<{ calls: string }>(
    `SELECT coalesce(sum(calls), 0) AS calls FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
     WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND r.rolname = 'bench_replica' AND s.toplevel`,
  );
  return Number(rows[0].calls);
};

export const runSlaTimersBench = async (): Promise<BenchFigures> => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-bench-sla-'));
  const pg = new EmbeddedPostgres({ dataDir, port: await freePort() });
  const replicas: Replica[] = [];
  let db: Client | undefined;
  let churner: ReturnType<typeof churn> | undefined;
  try {
    await pg.start();
    // pg_stat_statements counts the replicas' statements.
    await restartWithStatementStats(pg);
    await ensureDatabase(pg.url(), 'tss_bench_sla');
    const ownerUrl = pg.url('tss_bench_sla');
    db = new Client({ connectionString: ownerUrl });
    await db.connect();
    await db.query('CREATE EXTENSION pg_stat_statements');
    // The replicas log in as their own role, so their statements can be told from the bench's.
    await db.query(`CREATE ROLE bench_replica LOGIN SUPERUSER PASSWORD 'bench'`);
    const replicaUrl = ownerUrl.replace(/\/\/[^@]+@/, '//bench_replica:bench@');
    const migrated = createServiceDataSource({ url: ownerUrl, schema: SCHEMA, migrations: timersMigrations(SCHEMA) });
    await initializeAndMigrate(migrated);
    await migrated.destroy();
    await db.query(`CREATE TABLE "${SCHEMA}".effects (timer_id text NOT NULL, due_at timestamptz NOT NULL, claimed_at timestamptz NOT NULL, fired_at timestamptz NOT NULL, owner text NOT NULL)`);
    await db.query(`CREATE TABLE "${SCHEMA}".bare_timers (LIKE "${SCHEMA}".timers INCLUDING DEFAULTS)`);

    const baseline = await baselines(ownerUrl);
    process.stderr.write(`baselines: ${JSON.stringify(baseline)}\n`);

    // The million, in batches of 100,000 statements' worth: first into a bare table (no key,
    // index or trigger), then into the timers table with its partial index and NOTIFY trigger.
    const start = systemClock.now();
    const insert = async (table: string) => {
      const t = performance.now();
      for (let from = 1; from <= OPEN_TIMERS; from += INSERT_BATCH) {
        const { sql, params } = generatedRows(table, from, Math.min(INSERT_BATCH, OPEN_TIMERS - from + 1), start);
        await db!.query(sql, params);
      }
      return (performance.now() - t) / 1_000;
    };
    const bareInsertS = await insert(`"${SCHEMA}".bare_timers`);
    await db.query(`DROP TABLE "${SCHEMA}".bare_timers`);
    const timersInsertS = await insert(`"${SCHEMA}".timers`);
    const vacuumStarted = performance.now();
    await db.query(`VACUUM ANALYZE "${SCHEMA}".timers`);
    const vacuumS = (performance.now() - vacuumStarted) / 1_000;
    // The load's own checkpoint would otherwise still be writing during the bursts (sla-service.bench.ts).
    await db.query('CHECKPOINT');
    process.stderr.write(`inserted ${OPEN_TIMERS} timers in ${timersInsertS.toFixed(1)} s (bare table ${bareInsertS.toFixed(1)} s)\n`);

    const explain = async (sql: string, params: unknown[]) =>
      ((await db!.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).rows.map((r) => r['QUERY PLAN']).join('\n'));
    const plans = {
      nextDue: await explain(`SELECT next_attempt_at FROM "${SCHEMA}".timers WHERE status = 'pending' ORDER BY next_attempt_at LIMIT 1`, []),
      claim: await explain(
        `SELECT id FROM "${SCHEMA}".timers WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
        [systemClock.now()],
      ),
    };

    const pgPids = async () => (await db!.query<{ pid: number }>('SELECT pid FROM pg_stat_activity')).rows.map((r) => r.pid);
    const runs: Record<string, unknown>[] = [];
    for (const replicaCount of [1, 2]) {
      for (let i = 0; i < replicaCount; i += 1) replicas.push(await startReplica(replicaUrl, `r${replicaCount}-${i + 1}`));
      const replicaPids = () => replicas.map((r) => r.child.pid ?? -1);
      // Let the replicas open their connections and LISTEN before anything is measured.
      await new Promise((resolve) => setTimeout(resolve, 2_000));

      // Idle: a million open, none due, nothing changing.
      await db.query('SELECT pg_stat_statements_reset()');
      const idleQuiet = await cpuShare(
        async () => [...replicaPids(), ...(await pgPids())],
        () => new Promise((resolve) => setTimeout(resolve, IDLE_S * 1_000)),
      );
      const idleReplicaCpu = await cpuShare(async () => replicaPids(), () => new Promise((resolve) => setTimeout(resolve, 1_000)));
      const idleStatements = await statementCalls(db);

      // Idle with churn: re-targets and cancels of the open timers (all later than now).
      const churnClient = new Client({ connectionString: ownerUrl });
      await churnClient.connect();
      churner = churn(churnClient);
      await db.query('SELECT pg_stat_statements_reset()');
      const churnWindow = await cpuShare(async () => replicaPids(), () => new Promise((resolve) => setTimeout(resolve, IDLE_S * 1_000)));
      const churnStatements = await statementCalls(db);

      // The burst, with the churn still running: BURST timers due evenly over one second, 3 s
      // after they are written (one transaction, as a storm of breaches scheduled earlier would be).
      await db.query(`TRUNCATE "${SCHEMA}".effects`);
      const burstStart = new Date(systemClock.now().getTime() + 3_000);
      const burstInsertStarted = performance.now();
      await db.query(
        `INSERT INTO "${SCHEMA}".timers (id, kind, due_at, payload, next_attempt_at, scheduled_at)
         SELECT 'burst:${replicaCount}:' || g, 'sla.breach', d, '{}'::jsonb, d, $2
         FROM generate_series(0, $3 - 1) AS g, LATERAL (SELECT $1::timestamptz + (g * 1000.0 / $3) * interval '1 millisecond') AS x(d)`,
        [burstStart, systemClock.now(), BURST],
      );
      const burstInsertMs = Math.round(performance.now() - burstInsertStarted);
      await db.query('SELECT pg_stat_statements_reset()');
      const burstDeadline = systemClock.now().getTime() + 120_000;
      let fired = 0;
      const burstCpu = await cpuShare(
        async () => [...replicaPids(), ...(await pgPids())],
        async () => {
          while (fired < BURST && systemClock.now().getTime() < burstDeadline) {
            await new Promise((resolve) => setTimeout(resolve, 200));
            fired = Number((await db!.query<{ n: string }>(`SELECT count(*) AS n FROM "${SCHEMA}".effects`)).rows[0].n);
          }
        },
      );
      const burstStatements = await statementCalls(db);
      await churner.stop();
      await churnClient.end();
      const churned = { ...churner.counts };
      churner = undefined;

      const { rows } = await db.query<{ lateness_ms: number; claim_ms: number; fired_at: Date; due_at: Date; owner: string }>(
        `SELECT due_at, extract(epoch FROM fired_at - due_at) * 1000 AS lateness_ms, extract(epoch FROM claimed_at - due_at) * 1000 AS claim_ms, fired_at, owner FROM "${SCHEMA}".effects`,
      );
      const lateness = rows.map((r) => Number(r.lateness_ms));
      // Where in the burst's second the lateness builds up: the worst per 100 ms of due times
      // (late at the start: the wake-up; growing along: throughput below the arrival rate).
      const worstByDueSlice = Array.from({ length: 10 }, () => 0);
      for (const r of rows) {
        const slice = Math.min(9, Math.floor((r.due_at.getTime() - burstStart.getTime()) / 100));
        worstByDueSlice[slice] = Math.max(worstByDueSlice[slice], Math.round(Number(r.lateness_ms)));
      }
      const lastFiredMs = Math.max(...rows.map((r) => r.fired_at.getTime()));
      const byOwner: Record<string, number> = {};
      for (const r of rows) byOwner[r.owner] = (byOwner[r.owner] ?? 0) + 1;
      const latenessMs = percentiles(lateness);
      runs.push({
        replicas: replicaCount,
        idle: {
          seconds: idleQuiet.seconds,
          statementsPerSecond: round(idleStatements / IDLE_S, 2),
          cpuShareOfCore: idleQuiet.shareOfCore,
          replicasCpuShareOfCore: idleReplicaCpu.shareOfCore,
        },
        idleWithChurn: {
          retargetsPerSecond: RETARGETS_PER_S,
          cancelsPerSecond: CANCELS_PER_S,
          replicaStatementsPerSecond: round(churnStatements / IDLE_S, 2),
          replicasCpuShareOfCore: churnWindow.shareOfCore,
        },
        burst: {
          timers: BURST,
          // Written in one statement 3 s before the first is due: more than 3,000 ms here makes every timer late.
          insertMs: burstInsertMs,
          fired: rows.length,
          firedByReplica: byOwner,
          latenessMs,
          claimLatenessMs: percentiles(rows.map((r) => Number(r.claim_ms))),
          worstLatenessMsByDueSlice100Ms: worstByDueSlice,
          overOneSecond: lateness.filter((l) => l > 1_000).length,
          firedPerSecond: Math.round(rows.length / ((lastFiredMs - burstStart.getTime()) / 1_000)),
          statementsPerTimer: round(burstStatements / Math.max(1, rows.length), 2),
          cpuShareOfCore: burstCpu.shareOfCore,
          p99OverNotifyWakeUpP99: round(latenessMs.p99 / baseline.notifyWakeUpMs.p99, 1),
        },
        churned,
        loadAverage: os.loadavg().map((l) => round(l, 2)),
        goals: {
          'lateness p99 ≤ 250 ms': goal(latenessMs.p99, 250),
          'lateness max ≤ 1000 ms': goal(latenessMs.max, 1_000),
          'idle CPU ≤ 2 % of a core (replicas + PostgreSQL)': goal(idleQuiet.shareOfCore, 0.02),
        },
      });
      process.stderr.write(`${replicaCount} replica(s): ${JSON.stringify(runs.at(-1))}\n`);
      while (replicas.length) await replicas.pop()!.stop();
    }

    return {
      name: 'sla',
      settings: {
        openTimers: OPEN_TIMERS,
        burst: BURST,
        idleS: IDLE_S,
        retargetsPerS: RETARGETS_PER_S,
        cancelsPerS: CANCELS_PER_S,
        handler: process.env.BENCH_SLA_HANDLER ?? 'batch',
        claimBatchSize: Number(process.env.BENCH_SLA_BATCH_SIZE ?? 100),
      },
      baseline,
      insert: {
        timers: OPEN_TIMERS,
        seconds: round(timersInsertS, 1),
        rowsPerSecond: Math.round(OPEN_TIMERS / timersInsertS),
        bareTableSeconds: round(bareInsertS, 1),
        ratioToBareTable: round(timersInsertS / bareInsertS, 2),
        vacuumAnalyzeSeconds: round(vacuumS, 1),
      },
      plans,
      runs,
    };
  } finally {
    await churner?.stop().catch(() => undefined);
    for (const replica of replicas) await replica.stop().catch(() => undefined);
    await db?.end().catch(() => undefined);
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};

if (require.main === module) {
  runSlaTimersBench()
    .then((figures) => writeResult(figures))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    });
}
