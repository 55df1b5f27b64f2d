// `npm run bench -- sla-service` (issue #10): the sla-timer SERVICE end to end on real PostgreSQL,
// beside two baselines measured in the same run on the same database and machine:
//
// 1. ours, the service: 1,000,000 open response clocks and their breach timers (inserted with SQL
//    into the tables the service's own migrations create), 200 re-targets and 50 cancels a second,
//    then 10,000 clocks coming due within one second (written 10 s before), fired by one sla-timer replica (a process
//    of its own: the service's composition, batch handlers, outbox and the relay publishing to
//    the in-process transport). Lateness: due → `sla.breached` written to the outbox (its
//    `created_at`, taken in the firing transaction) and → published by the relay (`published_at`).
// 2. the library alone (the `sla` benchmark's replica: an effect row per timer) on the same
//    million timers: the baseline the service is a ratio of.
// 3. pg-boss 12 (docs/adr/0041): the same workload as 1,000,000 delayed jobs (`startAfter`), the
//    same churn through its API, a burst of 10,000 jobs due within one second, one worker at its
//    fastest pickup (0.5 s poll, LISTEN/NOTIFY, fetching again while batches come back full).
//
// Also the idle cost of each with the million open and none due (CPU of the replica and of
// PostgreSQL). Bounded (every wait has a deadline); the embedded PostgreSQL and its data folder are
// removed at the end. The pg-boss million goes in while the run has 90 s left of its budget
// (`BENCH_SLA_SERVICE_BUDGET_S`, 570 s); on a loaded machine fewer may (reported in `insert`).
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { PgBoss } from 'pg-boss';
import { EmbeddedPostgres, createServiceDataSource, ensureDatabase, initializeAndMigrate } from '@tss/persistence';
import { systemClock } from '@tss/service-kit';
import { freePort } from '@tss/service-kit/testing';
import { slaTimerService } from '../../services/sla-timer/src/index';
import { explainLogFrom } from '../support/explain-log';
import { writeResult, type BenchFigures } from '../support/results';
import { CLK_TCK, cpuTicks, killWithParent, machineShares, machineTicks, type MachineTicks } from '../support/processes';
import { percentiles, sleep } from '../support/timing';

const S = 'sla_timer';
const OPEN = Number(process.env.BENCH_SLA_TIMERS ?? 1_000_000);
const BURST = Number(process.env.BENCH_SLA_BURST ?? 10_000);
const IDLE_S = Number(process.env.BENCH_SLA_IDLE_S ?? 10);
const RETARGETS_PER_S = Number(process.env.BENCH_SLA_RETARGETS_PER_S ?? 200);
const CANCELS_PER_S = Number(process.env.BENCH_SLA_CANCELS_PER_S ?? 50);
const PHASES = (process.env.BENCH_SLA_SERVICE_PHASES ?? 'service,library,pgboss').split(',');
const INSERT_BATCH = 100_000;
const PGBOSS_INSERT_BATCH = 5_000;
/** The whole run's bound: the pg-boss million goes in until the run has this much left for its measurements. */
const BUDGET_S = Number(process.env.BENCH_SLA_SERVICE_BUDGET_S ?? 570);
/** How long before its first due time a burst is written (it must be committed by then, or every timer is late from the start). */
const LEAD_MS = Number(process.env.BENCH_SLA_LEAD_S ?? 10) * 1_000;
const QUEUE = 'sla-breach';
const RELAY = process.env.BENCH_SERVICE_RELAY !== 'off';
/** sla-timer replicas firing the burst (processes of their own; one of them holds the relay's lock). */
const SERVICE_REPLICAS = Number(process.env.BENCH_SLA_SERVICE_REPLICAS ?? 1);
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const PARTNER = '0b1c2d3e-0000-4000-8000-000000000001';
const BURST_PARTNER = '0b1c2d3e-0000-4000-8000-000000000002';

const round = (n: number, digits = 1): number => Number(n.toFixed(digits));
const byDueSlice = (rows: readonly { due: number; lateness: number }[]): number[] => {
  const first = Math.min(...rows.map((r) => r.due));
  const worst: number[] = [];
  for (const { due, lateness } of rows) {
    const slice = Math.min(9, Math.floor((due - first) / 100));
    worst[slice] = Math.max(worst[slice] ?? 0, Math.round(lateness));
  }
  return Array.from({ length: 10 }, (_, i) => worst[i] ?? 0);
};

/** CPU of `pids` while `run` runs: as a share of one core, and in seconds, the replicas' (`replicaPids`) apart. */
const cpuShare = async (
  pids: () => Promise<number[]>,
  run: () => Promise<void>,
  replicaPids: readonly number[] = [],
): Promise<{ shareOfCore: number; seconds: number; cpuSeconds: number; replicaCpuSeconds: number }> => {
  const before = new Map((await pids()).map((pid) => [pid, cpuTicks(pid)]));
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1_000;
  let ticks = 0;
  let replicaTicks = 0;
  for (const pid of await pids()) {
    const a = before.get(pid);
    const b = cpuTicks(pid);
    if (a === undefined || b === undefined) continue;
    ticks += b - a;
    if (replicaPids.includes(pid)) replicaTicks += b - a;
  }
  return { shareOfCore: round(ticks / CLK_TCK / seconds, 4), seconds: round(seconds, 1), cpuSeconds: round(ticks / CLK_TCK, 2), replicaCpuSeconds: round(replicaTicks / CLK_TCK, 2) };
};

interface Child {
  child: ChildProcess;
  stop(): Promise<void>;
}

const startChild = async (script: string, env: NodeJS.ProcessEnv): Promise<Child> => {
  // `BENCH_CPU_PROF_DIR`: a .cpuprofile of each replica, written when it stops.
  const profile = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [];
  const child = killWithParent(spawn(process.execPath, [...profile, '--import', 'tsx', path.join(__dirname, script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-10_000)));
  if (process.env.BENCH_TRACE_SQL) child.stderr?.pipe(process.stderr);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} not ready after 60 s:\n${output}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}:\n${output}`)));
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

/**
 * The million were started one after another, a millisecond apart, in the order of their numbers:
 * the time in their ids. The burst's clocks were started after all of them.
 */
const MILLION_STARTED_MS = Date.UTC(2026, 0, 1);

/**
 * An id as the services make theirs (UUID version 7, docs/adr/0060): `ms` (SQL, epoch
 * milliseconds), when the row was made, then bits from `md5` of `seed` (SQL), so the churn finds
 * the same id again.
 */
const v7IdSql = (ms: string, seed: string): string =>
  `(lpad(to_hex((${ms})::bigint), 12, '0') || '7' || substr(md5(${seed}), 1, 3) || '8' || substr(md5(${seed}), 4, 15))::uuid`;

/** Clock `g`'s id and its ticket's, both made when the clock started (at `ms`). */
const clockIdSql = (tag: string, g: string, ms: string): string => v7IdSql(ms, `'${tag}clock' || ${g}`);
const ticketIdSql = (tag: string, g: string, ms: string): string => v7IdSql(ms, `'${tag}ticket' || ${g}`);

/** When one of the million started, by its number. */
const millionStartedMs = (g: string): string => `${MILLION_STARTED_MS} + ${g}`;

/** One of the million's clock ids, by its number. */
const millionClockIdSql = (g: string): string => clockIdSql('', g, millionStartedMs(g));

/**
 * `count` clocks (standard, 12 h, every warning published, the breach pending) and their breach
 * timers, in one statement; `idSql` and `ticketIdSql` give clock `g`'s id and its ticket's (`d`,
 * its due time, is in scope).
 */
const insertClocks = (db: Client, args: { from: number; count: number; partner: string; tag: string; idSql: string; ticketIdSql: string; dueSql: string; params: unknown[] }) =>
  db.query(
    `WITH c AS (
       INSERT INTO ${S}.response_clocks (id, ticket_id, partner_id, requester_id, product, level, owed_by, started_by, status, started_at, target_ms, due_at,
                                        warnings, overdue_at, policy_scope, policy_version, warnings_published, created_at)
       SELECT ${args.idSql}, ${args.ticketIdSql}, '${args.partner}'::uuid, 'cust-' || g, 'reader', 'standard', 'support', 'created', 'running',
              d - interval '12 hours', 43200000, d,
              jsonb_build_array(jsonb_build_object('threshold', 0.5, 'at', to_jsonb(d - interval '6 hours')),
                                jsonb_build_object('threshold', 0.75, 'at', to_jsonb(d - interval '3 hours')),
                                jsonb_build_object('threshold', 0.9, 'at', to_jsonb(d - interval '72 minutes'))),
              d + interval '6 hours', 'default', 1, '[0.5, 0.75, 0.9]'::jsonb, now()
         FROM generate_series(${args.from}::int, ${args.from + args.count - 1}::int) AS g, LATERAL (SELECT ${args.dueSql} + g * interval '0') AS x(d)
       RETURNING id, due_at)
     INSERT INTO ${S}.timers (id, kind, due_at, payload, next_attempt_at, scheduled_at)
     SELECT 'sla:' || id || ':breach', 'sla.breach', due_at, jsonb_build_object('clockId', id), due_at, now() FROM c`,
    args.params,
  );

/** Re-targets and cancels random open timers of the million through `step` until stopped. */
const churn = (step: (retarget: number, cancel: number) => Promise<{ retargeted: number; cancelled: number }>) => {
  let running = true;
  const counts = { retargeted: 0, cancelled: 0, errors: 0 };
  const tickMs = 100;
  const done = (async () => {
    while (running) {
      const t = performance.now();
      try {
        const r = await step(Math.round((RETARGETS_PER_S * tickMs) / 1_000), Math.round((CANCELS_PER_S * tickMs) / 1_000));
        counts.retargeted += r.retargeted;
        counts.cancelled += r.cancelled;
      } catch {
        counts.errors += 1;
      }
      await sleep(Math.max(0, tickMs - (performance.now() - t)));
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

/** Our timers: the upsert `TimerStore.schedule` runs (10 min – 4 weeks out) and the delete `cancel` runs, on random clocks of the million. */
const timerChurn = (db: Client) =>
  churn(async (retarget, cancel) => {
    await db.query('BEGIN');
    try {
      const r = await db.query(
        `INSERT INTO ${S}.timers (id, kind, due_at, payload, next_attempt_at, scheduled_at)
         SELECT 'sla:' || ${millionClockIdSql('g')} || ':breach', 'sla.breach', d, jsonb_build_object('clockId', ${millionClockIdSql('g')}), d, now()
           FROM (SELECT (1 + floor(random() * $1))::int AS g FROM generate_series(1, $2)) AS ids,
                LATERAL (SELECT now() + (${10 * MINUTE} + random() * ${28 * DAY - 10 * MINUTE}) * interval '1 millisecond' + g * interval '0') AS x(d)
         ON CONFLICT (id) DO UPDATE SET due_at = EXCLUDED.due_at, next_attempt_at = EXCLUDED.due_at, status = 'pending',
           claimed_by = NULL, claimed_until = NULL, claim_token = NULL, attempts = 0, scheduled_at = EXCLUDED.scheduled_at, fired_at = NULL`,
        [OPEN, retarget],
      );
      const c = await db.query(
        `DELETE FROM ${S}.timers WHERE id IN (SELECT 'sla:' || ${millionClockIdSql('g')} || ':breach' FROM (SELECT (1 + floor(random() * $1))::int AS g FROM generate_series(1, $2)) AS ids) AND status = 'pending'`,
        [OPEN, cancel],
      );
      await db.query('COMMIT');
      return { retargeted: r.rowCount ?? 0, cancelled: c.rowCount ?? 0 };
    } catch (error) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

export const runSlaServiceBench = async (): Promise<BenchFigures> => {
  const started = performance.now();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-bench-sla-service-'));
  const explain = explainLogFrom();
  const pg = new EmbeddedPostgres({ dataDir, port: await freePort(), ...(explain ? { onLog: explain.onLog } : {}) });
  const children: Child[] = [];
  let db: Client | undefined;
  let churner: ReturnType<typeof churn> | undefined;
  let boss: PgBoss | undefined;
  const log = (message: string) => process.stderr.write(`[sla-service ${Math.round((performance.now() - started) / 1_000)} s] ${message}\n`);
  try {
    await pg.start();
    await ensureDatabase(pg.url(), 'tss_bench_sla_service');
    await explain?.enable(pg.url(), 'tss_bench_sla_service');
    const url = pg.url('tss_bench_sla_service');
    db = new Client({ connectionString: url });
    // A cut connection fails the query in hand, and the run ends through its clean-up (the replicas
    // stopped, the server stopped) instead of crashing past it on an unhandled 'error' event.
    db.on('error', (error) => log(`bench connection lost: ${error.message}`));
    await db.connect();
    const migrated = createServiceDataSource({ url, schema: S, migrations: slaTimerService.migrations });
    await initializeAndMigrate(migrated);
    await migrated.destroy();
    const pgPids = async () => (await db!.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()')).rows.map((r) => r.pid);

    // The million clocks and timers, due 10 minutes to four weeks from now (for our phases only).
    const ours = PHASES.includes('service') || PHASES.includes('library');
    const insertStarted = performance.now();
    for (let from = 1; ours && from <= OPEN; from += INSERT_BATCH) {
      await insertClocks(db, {
        from,
        count: Math.min(INSERT_BATCH, OPEN - from + 1),
        partner: PARTNER,
        tag: '',
        idSql: millionClockIdSql('g'),
        ticketIdSql: ticketIdSql('', 'g', millionStartedMs('g')),
        dueSql: `now() + (${10 * MINUTE} + random() * ${28 * DAY - 10 * MINUTE}) * interval '1 millisecond'`,
        params: [],
      });
    }
    const insertS = (performance.now() - insertStarted) / 1_000;
    await db.query(`VACUUM ANALYZE ${S}.response_clocks, ${S}.timers`);
    // The bulk load wrote gigabytes of WAL, and the checkpoint it started was still writing and
    // syncing its pages during the burst (`pg_stat_activity`: CheckpointWriteDelay, then
    // DataFileSync). A database that gathered its million clocks over weeks has no such backlog:
    // settle it first, as pgbench does before its runs.
    await db.query('CHECKPOINT');
    if (ours) log(`inserted ${OPEN} clocks and timers in ${insertS.toFixed(1)} s`);
    await db.query(`CREATE TABLE ${S}.effects (timer_id text NOT NULL, due_at timestamptz NOT NULL, claimed_at timestamptz NOT NULL, fired_at timestamptz NOT NULL, owner text NOT NULL)`);

    /** Idle, churn, burst with the replicas; `burst` writes the burst due from `at`, `fired` reads the lateness rows so far. */
    const measure = async (
      label: string,
      started: Child | Child[],
      args: {
        churn: () => ReturnType<typeof churn>;
        burst: (at: Date) => Promise<void>;
        fired: () => Promise<number>;
        /** A cheap look (an index probe or two) whether the burst may be over; `fired` counts only once it says so. */
        settled?: (lastDue: Date) => Promise<boolean>;
      },
    ) => {
      const replicas = Array.isArray(started) ? started : [started];
      children.push(...replicas);
      const replicaPids = replicas.map((r) => r.child.pid ?? -1);
      const pids = async () => [...replicaPids, ...(await pgPids())];
      await sleep(2_000);
      const idle = await cpuShare(pids, () => sleep(IDLE_S * 1_000));
      const idleReplica = await cpuShare(async () => replicaPids, () => sleep(1_000));
      churner = args.churn();
      const idleChurn = await cpuShare(async () => replicaPids, () => sleep(IDLE_S * 1_000));
      const burstAt = new Date(systemClock.now().getTime() + LEAD_MS);
      const burstInsertStarted = performance.now();
      await args.burst(burstAt);
      const burstInsertMs = Math.round(performance.now() - burstInsertStarted);
      const deadline = performance.now() + 120_000;
      const lastDue = new Date(burstAt.getTime() + ((BURST - 1) * 1_000) / BURST);
      let fired = 0;
      /** The whole machine's CPU from the first due time to the wait's end: how busy it was, and how much the hypervisor took. */
      let atDue: MachineTicks | undefined;
      let atEnd: MachineTicks | undefined;
      const burstCpu = await cpuShare(
        pids,
        async () => {
          await sleep(Math.max(0, burstAt.getTime() - systemClock.now().getTime()));
          atDue = machineTicks();
          // No burst is over before its last due time; a probe then costs the burst's tail, so
          // once a second (a probe every 200 ms was still 4 % of the machine during the burst).
          if (args.settled) await sleep(Math.max(0, lastDue.getTime() - systemClock.now().getTime()));
          while (fired < BURST && performance.now() < deadline) {
            await sleep(args.settled ? 1_000 : 200);
            if (args.settled && !(await args.settled(lastDue))) continue;
            fired = await args.fired();
          }
          atEnd = machineTicks();
        },
        replicaPids,
      );
      await churner.stop();
      const churned = { ...churner.counts };
      churner = undefined;
      for (const replica of replicas) {
        await replica.stop();
        children.splice(children.indexOf(replica), 1);
      }
      log(`${label}: ${fired} of ${BURST} fired; idle ${idle.shareOfCore} of a core`);
      return {
        idle: { seconds: idle.seconds, cpuShareOfCore: idle.shareOfCore, replicaCpuShareOfCore: idleReplica.shareOfCore },
        idleWithChurn: { replicaCpuShareOfCore: idleChurn.shareOfCore },
        // Written `leadMs` before the first is due; an insert longer than that makes every timer late.
        // CPU seconds from the burst's insert to its last event (the replica's and PostgreSQL's), per 1,000 timers fired.
        burst: {
          leadMs: LEAD_MS,
          insertMs: burstInsertMs,
          fired,
          cpuShareOfCore: burstCpu.shareOfCore,
          cpuSecondsPer1000: round((burstCpu.cpuSeconds / Math.max(1, fired)) * 1_000, 3),
          replicaCpuSecondsPer1000: round((burstCpu.replicaCpuSeconds / Math.max(1, fired)) * 1_000, 3),
          // The machine's speed moves from hour to hour (docs/performance.md); this says whether
          // the burst had the machine to itself, and how much of it the hypervisor took meanwhile.
          ...(atDue && atEnd ? { machine: machineShares(atDue, atEnd) } : {}),
        },
        churned,
        loadAverage: os.loadavg().map((l) => round(l, 2)),
      };
    };

    /**
     * The `settled` probe of the service and library phases: no breach timer due by the burst's last
     * due time still pending (the pending timers' index), nor any of `alsoBusy` (SQL conditions) true.
     */
    const burstSettled = async (lastDue: Date, alsoBusy: readonly string[] = []): Promise<boolean> => {
      const busy = [`EXISTS (SELECT 1 FROM ${S}.timers WHERE status = 'pending' AND next_attempt_at <= $1 AND kind = 'sla.breach')`, ...alsoBusy].join(' OR ');
      return (await db!.query<{ busy: boolean }>(`SELECT ${busy} AS busy`, [lastDue])).rows[0].busy === false;
    };

    const results: Record<string, unknown> = {};
    const churnClient = new Client({ connectionString: url });
    churnClient.on('error', (error) => log(`churn connection lost: ${error.message}`));
    await churnClient.connect();

    if (PHASES.includes('service')) {
      const replicas = await Promise.all(Array.from({ length: SERVICE_REPLICAS }, () => startChild('service-replica.ts', { DATABASE_URL: url })));
      /** The outbox's last position before the burst: the wait below counts only rows after it. */
      let before = '0';
      const run = await measure('service', replicas, {
        churn: () => timerChurn(churnClient),
        burst: async (at) => {
          before = (await db!.query<{ p: string }>(`SELECT coalesce(max(position), 0) AS p FROM ${S}.outbox`)).rows[0].p;
          // Started 12 hours before they come due, one after another: their ids carry that time.
          const startedMs = `extract(epoch FROM d - interval '12 hours') * 1000`;
          await insertClocks(db!, {
            from: 1,
            count: BURST,
            partner: BURST_PARTNER,
            tag: 'burst',
            idSql: clockIdSql('burst', 'g', startedMs),
            ticketIdSql: ticketIdSql('burst', 'g', startedMs),
            dueSql: `$1::timestamptz + (g - 1) * (1000.0 / $2) * interval '1 millisecond'`,
            params: [at, BURST],
          });
        },
        // The wait should not compete with the replica for PostgreSQL: counting the burst's events
        // five times a second read ~10,000 outbox rows a poll (7 % of the machine's samples in
        // `perf record -a` during a burst). Two index probes tell when the burst may be over (no
        // breach timer of it pending, no event unpublished); the count runs only then. Nothing else
        // writes breaches meanwhile (the churn's timers are due weeks ahead); the figures below are
        // read by partner once the burst is over.
        settled: (lastDue) => burstSettled(lastDue, RELAY ? [`EXISTS (SELECT 1 FROM ${S}.outbox WHERE published_at IS NULL)`] : []),
        fired: async () =>
          Number(
            (
              await db!.query<{ n: string }>(
                `SELECT count(*) AS n FROM ${S}.outbox WHERE position > $1 AND event_type = 'sla.breached'${RELAY ? ' AND published_at IS NOT NULL' : ''}`,
                [before],
              )
            ).rows[0].n,
          ),
      });
      const { rows } = await db.query<{ written: number; published: number; claimed: number; due: number }>(
        `SELECT extract(epoch FROM o.created_at - c.due_at) * 1000 AS written, extract(epoch FROM o.published_at - c.due_at) * 1000 AS published,
                extract(epoch FROM c.due_at) * 1000 AS due,
                (o.event->'data'->>'latenessMs')::int AS claimed
           FROM ${S}.outbox o JOIN ${S}.response_clocks c ON c.id = (o.event->'data'->>'clockId')::uuid
          WHERE o.event_type = 'sla.breached' AND o.event->'data'->>'partnerId' = $1${RELAY ? ' AND o.published_at IS NOT NULL' : ''}`,
        [BURST_PARTNER],
      );
      const counts = (await db.query<{ breached: string; clocks: string }>(
        `SELECT count(*) AS breached, count(DISTINCT event->'data'->>'clockId') AS clocks FROM ${S}.outbox WHERE event_type = 'sla.breached' AND event->'data'->>'partnerId' = $1`,
        [BURST_PARTNER],
      )).rows[0];
      // The batch's statements at a million clocks: index scans, no sequential scan of the clocks.
      const ids = (await db.query<{ id: string }>(`SELECT id FROM ${S}.response_clocks WHERE partner_id = $1 LIMIT 100`, [BURST_PARTNER])).rows.map((r) => r.id);
      const explain = async (sql: string, params: unknown[]) =>
        (await db!.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).rows.map((r) => r['QUERY PLAN'].replace(/'\{[^}]*\}'/g, "'{…}'"));
      const plans = {
        lockClocks: await explain(`SELECT * FROM ${S}.response_clocks WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [ids]),
        updateClocks: await explain(
          `WITH u AS (SELECT * FROM json_to_recordset($1::json) AS u(id uuid, status text))
           UPDATE ${S}.response_clocks c SET status = u.status FROM u WHERE c.id = u.id AND c.id = ANY(ARRAY(SELECT id FROM u))`,
          [JSON.stringify(ids.map((id) => ({ id, status: 'breached' })))],
        ),
      };
      // Fired clocks' updates that were HOT (no index written: fillfactor 80, docs/adr/0041).
      const [updates] = (
        await db.query<{ updated: string; hot: string }>(`SELECT n_tup_upd AS updated, n_tup_hot_upd AS hot FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'response_clocks'`, [S])
      ).rows;
      results.service = {
        ...run,
        plans,
        clockUpdates: { updated: Number(updates?.updated ?? 0), hot: Number(updates?.hot ?? 0) },
        breachedEvents: Number(counts.breached),
        distinctClocks: Number(counts.clocks),
        latenessMs: {
          claimed: percentiles(rows.map((r) => Number(r.claimed))),
          writtenToOutbox: percentiles(rows.map((r) => Number(r.written))),
          publishedByRelay: percentiles(rows.map((r) => Number(r.published))),
        },
        overOneSecondPublished: rows.filter((r) => Number(r.published) > 1_000).length,
        // The worst published lateness of the timers due in each tenth of the burst's second: a
        // lateness that grows slice after slice is a replica firing slower than timers come due.
        worstClaimedMsByDueSlice100Ms: byDueSlice(rows.map((r) => ({ due: Number(r.due), lateness: Number(r.claimed) }))),
        worstPublishedMsByDueSlice100Ms: byDueSlice(rows.map((r) => ({ due: Number(r.due), lateness: Number(r.published) }))),
      };
    }

    if (PHASES.includes('library')) {
      const run = await measure('library', await startChild('timer-replica.ts', { DATABASE_URL: url, BENCH_SCHEMA: S, BENCH_OWNER: 'library' }), {
        churn: () => timerChurn(churnClient),
        burst: async (at) => {
          await db!.query(
            `INSERT INTO ${S}.timers (id, kind, due_at, payload, next_attempt_at, scheduled_at)
             SELECT 'lib:' || g, 'sla.breach', d, '{}'::jsonb, d, now()
               FROM generate_series(0, $2 - 1) AS g, LATERAL (SELECT $1::timestamptz + (g * 1000.0 / $2) * interval '1 millisecond') AS x(d)`,
            [at, BURST],
          );
        },
        settled: (lastDue) => burstSettled(lastDue),
        fired: async () => Number((await db!.query<{ n: string }>(`SELECT count(*) AS n FROM ${S}.effects`)).rows[0].n),
      });
      const { rows } = await db.query<{ lateness: number }>(`SELECT extract(epoch FROM fired_at - due_at) * 1000 AS lateness FROM ${S}.effects`);
      results.library = { ...run, latenessMs: percentiles(rows.map((r) => Number(r.lateness))) };
    }

    if (PHASES.includes('pgboss')) {
      await db.query(`CREATE TABLE public.bench_pgboss_effects (job_id text NOT NULL, due_at timestamptz NOT NULL, fired_at timestamptz NOT NULL)`);
      boss = new PgBoss({ connectionString: url, schema: 'pgboss', supervise: false, schedule: false, application_name: 'bench:pgboss-producer' } as ConstructorParameters<typeof PgBoss>[0]);
      boss.on('error', (error: unknown) => log(`pg-boss: ${String(error)}`));
      await boss.start();
      await boss.createQueue(QUEUE, { notify: true } as never);
      const ids: string[] = [];
      const pgbossInsertStarted = performance.now();
      const now = systemClock.now().getTime();
      for (let from = 0; from < OPEN; from += PGBOSS_INSERT_BATCH) {
        const jobs = Array.from({ length: Math.min(PGBOSS_INSERT_BATCH, OPEN - from) }, () => {
          const dueAt = new Date(now + 10 * MINUTE + Math.random() * (28 * DAY - 10 * MINUTE));
          const id = randomUUID();
          ids.push(id);
          return { id, startAfter: dueAt, data: { dueAt: dueAt.toISOString() } };
        });
        await boss.insert(QUEUE, jobs);
        // Bounded: on a loaded machine the million may not go in within the budget; the run goes on with what did (reported).
        if ((performance.now() - started) / 1_000 > BUDGET_S - 90) break;
      }
      const pgbossInsertS = (performance.now() - pgbossInsertStarted) / 1_000;
      await db.query(`VACUUM ANALYZE`);
      await db.query('CHECKPOINT');
      log(`pg-boss: inserted ${ids.length} jobs in ${pgbossInsertS.toFixed(1)} s`);
      // Its fetch's shape (plans.js fetchNextJob, index job_i11 (name, priority DESC, created_on, start_after)):
      // ready jobs in creation order, due ones filtered on the way. Timed here with nothing due.
      const fetchPlan = (
        await db.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN (ANALYZE, COSTS OFF) SELECT id FROM pgboss.job WHERE name = $1 AND state < 'active' AND NOT blocked AND start_after <= now()
            ORDER BY priority DESC, created_on LIMIT 100 FOR UPDATE SKIP LOCKED`,
          [QUEUE],
        )
      ).rows.map((r) => r['QUERY PLAN']);
      const producer = boss;
      const run = await measure('pg-boss', await startChild('pgboss-replica.ts', { DATABASE_URL: url, BENCH_PGBOSS_QUEUE: QUEUE }), {
        // Re-target: `update` of a job's startAfter by id; cancel: `cancel` by id.
        churn: () =>
          churn(async (retarget, cancel) => {
            const moved = await Promise.all(
              Array.from({ length: retarget }, () =>
                producer.update(QUEUE, undefined, { id: pick(ids), startAfter: new Date(systemClock.now().getTime() + 10 * MINUTE + Math.random() * (28 * DAY - 10 * MINUTE)) } as never),
              ),
            );
            const cancelled = await producer.cancel(QUEUE, Array.from({ length: cancel }, () => pick(ids)));
            return { retargeted: moved.length, cancelled: Number((cancelled as { affected?: number }).affected ?? cancel) };
          }),
        burst: async (at) => {
          const jobs = Array.from({ length: BURST }, (_, g) => {
            const dueAt = new Date(at.getTime() + (g * 1_000) / BURST);
            return { startAfter: dueAt, data: { dueAt: dueAt.toISOString() } };
          });
          await producer.insert(QUEUE, jobs);
        },
        fired: async () => Number((await db!.query<{ n: string }>(`SELECT count(*) AS n FROM public.bench_pgboss_effects`)).rows[0].n),
      });
      const { rows } = await db.query<{ lateness: number }>(`SELECT extract(epoch FROM fired_at - due_at) * 1000 AS lateness FROM public.bench_pgboss_effects`);
      results.pgboss = {
        version: (JSON.parse(readFileSync(require.resolve('pg-boss/package.json'), 'utf8')) as { version: string }).version,
        config: { pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5, batchSize: Number(process.env.BENCH_PGBOSS_BATCH ?? 100), burstWhenBatchFull: true, useListenNotify: true, queueNotify: true },
        insert: { jobs: ids.length, asked: OPEN, seconds: round(pgbossInsertS, 1), rowsPerSecond: Math.round(ids.length / pgbossInsertS) },
        fetchPlanWithNoneDue: fetchPlan,
        ...run,
        latenessMs: percentiles(rows.map((r) => Number(r.lateness))),
      };
      await boss.stop({ graceful: false } as never).catch(() => undefined);
      boss = undefined;
    }
    await churnClient.end();

    const p99 = (r: unknown, key?: string) => {
      const l = (r as { latenessMs?: Record<string, { p99: number }> & { p99?: number } } | undefined)?.latenessMs;
      return key ? l?.[key]?.p99 : l?.p99;
    };
    const library = p99(results.library);
    const ratio = (value: number | undefined) => (value !== undefined && library ? round(value / library, 2) : undefined);
    return {
      name: 'sla-service',
      settings: {
        openClocks: OPEN,
        burst: BURST,
        idleS: IDLE_S,
        retargetsPerS: RETARGETS_PER_S,
        cancelsPerS: CANCELS_PER_S,
        phases: PHASES,
        serviceReplicas: SERVICE_REPLICAS,
        // The replicas' settings as the run had them (their defaults when unset).
        serviceEnv: Object.fromEntries(['SLA_TIMER_BATCH_SIZE', 'SLA_TIMER_CONCURRENCY', 'OUTBOX_RELAY_BATCH_SIZE'].map((name) => [name, process.env[name] ?? 'default'])),
      },
      insert: ours ? { clocksAndTimers: OPEN, seconds: round(insertS, 1) } : undefined,
      ...results,
      ratiosToLibraryP99: {
        serviceWritten: ratio(p99(results.service, 'writtenToOutbox')),
        servicePublished: ratio(p99(results.service, 'publishedByRelay')),
        pgboss: ratio(p99(results.pgboss)),
      },
      durationS: round((performance.now() - started) / 1_000),
    };
  } finally {
    await churner?.stop().catch(() => undefined);
    for (const child of children) await child.stop().catch(() => undefined);
    await boss?.stop({ graceful: false } as never).catch(() => undefined);
    await db?.end().catch(() => undefined);
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};

if (require.main === module) {
  runSlaServiceBench()
    .then((figures) => writeResult(figures))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    });
}
