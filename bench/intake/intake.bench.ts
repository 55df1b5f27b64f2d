// `npm run bench -- intake`: POST /v1/tickets through the gateway (single-process mode) against a
// bare fastify + pg INSERT baseline on the same PostgreSQL, in one command. Each server runs in a
// process of its own; autocannon drives them from this one. Reports both rates, the ratio, latency
// percentiles, how long the event pipeline needs to drain once the load stops, and the latency at a
// fixed half of the maximum rate.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres, ensureDatabase } from '@tss/persistence';
import { freePort } from '@tss/service-kit/testing';
import { CLK_TCK, cpuTicks, eventLoopDelaySinceLastScrape, machineShares, machineTicks, startChildServer, type ChildServer } from '../support/processes';
import { writeResult, type BenchFigures } from '../support/results';
import { partnerToken } from '../support/platform-api';
import { postTickets, TICKET, type LoadFigures } from '../support/ticket-load';
import { postAtFixedRate } from '../support/paced-load';
import { heaviestStatements, restartWithStatementStats } from '../support/statement-stats';
import { explainLogFrom } from '../support/explain-log';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 20);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
/** The fixed-rate run at half the measured maximum (issue #15: p99 < 50 ms there). */
const HALF_RATE_S = Number(process.env.BENCH_HALF_RATE_S ?? 20);
const DRAIN_LIMIT_MS = 120_000;
/** `BENCH_PG_STATEMENTS=1`: PostgreSQL's heaviest statements per ticket over the half-rate run (pg_stat_statements). */
const STATEMENTS = process.env.BENCH_PG_STATEMENTS === '1';
const ADMIN = { id: 'bench-admin', secret: 'bench-admin-secret-0123456789' };

const load = (url: string, headers: Record<string, string>, durationS: number): Promise<LoadFigures> =>
  postTickets(url, headers, { connections: CONNECTIONS, durationS });

const partnerTokenOf = (base: string): Promise<string> => partnerToken(base, { clientId: ADMIN.id, clientSecret: ADMIN.secret });

const count = async (db: Client, sql: string): Promise<number | undefined> => {
  try {
    const { rows } = await db.query<{ n: string }>(sql);
    return Number(rows[0]?.n ?? 0);
  } catch {
    return undefined; // the table or column is not there in this version
  }
};

interface DatabaseCounters {
  commits: number;
  rowsInserted: number;
  rowsUpdated: number;
}

/** PostgreSQL's own counters for the database: work per ticket, whatever the code does. */
const databaseCounters = async (db: Client): Promise<DatabaseCounters> => {
  await db.query('SELECT pg_stat_force_next_flush()');
  const { rows } = await db.query<{ commits: string; inserted: string; updated: string }>(
    'SELECT xact_commit AS commits, tup_inserted AS inserted, tup_updated AS updated FROM pg_stat_database WHERE datname = current_database()',
  );
  return { commits: Number(rows[0].commits), rowsInserted: Number(rows[0].inserted), rowsUpdated: Number(rows[0].updated) };
};

type TableCounters = Map<string, { inserted: number; updated: number }>;

/** Rows written per table (every schema, TOAST and catalogues included): which tables a ticket's rows go to. */
const tableCounters = async (db: Client): Promise<TableCounters> => {
  await db.query('SELECT pg_stat_force_next_flush()');
  const { rows } = await db.query<{ name: string; inserted: string; updated: string }>(
    "SELECT schemaname || '.' || relname AS name, n_tup_ins AS inserted, n_tup_upd AS updated FROM pg_stat_all_tables",
  );
  return new Map(rows.map((r) => [r.name, { inserted: Number(r.inserted), updated: Number(r.updated) }]));
};

/** The tables that took at least a tenth of a row per ticket, most written first. */
const perTicketByTable = (before: TableCounters, after: TableCounters, tickets: number): Record<string, { inserted: number; updated: number }> => {
  const rows = [...after].map(([name, a]) => {
    const b = before.get(name) ?? { inserted: 0, updated: 0 };
    return { name, inserted: (a.inserted - b.inserted) / tickets, updated: (a.updated - b.updated) / tickets };
  });
  return Object.fromEntries(
    rows
      .filter((r) => r.inserted >= 0.1 || r.updated >= 0.1)
      .sort((x, y) => y.inserted + y.updated - (x.inserted + x.updated))
      .map((r) => [r.name, { inserted: Number(r.inserted.toFixed(1)), updated: Number(r.updated.toFixed(1)) }]),
  );
};

const perTicket = (before: DatabaseCounters, after: DatabaseCounters, tickets: number) => ({
  commits: Number(((after.commits - before.commits) / tickets).toFixed(1)),
  rowsInserted: Number(((after.rowsInserted - before.rowsInserted) / tickets).toFixed(1)),
  rowsUpdated: Number(((after.rowsUpdated - before.rowsUpdated) / tickets).toFixed(1)),
});

/** The PostgreSQL server's processes now, each with its CPU ticks and whom it works for (the client's `application_name`, or the background worker's type). */
const postgresProcesses = async (db: Client): Promise<Map<number, { ticks: number; of: string }>> => {
  const { rows } = await db.query<{ pid: number; of: string }>(
    "SELECT pid, coalesce(nullif(application_name, ''), backend_type) AS of FROM pg_stat_activity",
  );
  return new Map(rows.flatMap(({ pid, of }) => {
    const ticks = cpuTicks(pid);
    return ticks === undefined ? [] : [[pid, { ticks, of }] as [number, { ticks: number; of: string }]];
  }));
};

/**
 * PostgreSQL's CPU between two readings, in seconds, in all and by whom its processes worked for.
 * A process started in between counts from zero; one that ended in between (a short autovacuum
 * worker) is missed, so the figures are a floor.
 */
const postgresCpuSeconds = (before: Map<number, { ticks: number }>, after: Map<number, { ticks: number; of: string }>) => {
  const byClient = new Map<string, number>();
  for (const [pid, { ticks, of }] of after) byClient.set(of, (byClient.get(of) ?? 0) + (ticks - (before.get(pid)?.ticks ?? 0)) / CLK_TCK);
  return { total: [...byClient.values()].reduce((a, b) => a + b, 0), byClient };
};

/** Waits for the outboxes to empty and for every ticket to have its clock and acknowledgment. */
const measureDrain = async (db: Client): Promise<{ outboxDrainedMs?: number; pipelineDrainedMs?: number; tickets: number }> => {
  const started = performance.now();
  let outboxDrainedMs: number | undefined;
  let pipelineDrainedMs: number | undefined;
  let tickets = 0;
  while (performance.now() - started < DRAIN_LIMIT_MS && (outboxDrainedMs === undefined || pipelineDrainedMs === undefined)) {
    const elapsed = Math.round(performance.now() - started);
    if (outboxDrainedMs === undefined) {
      let backlog = 0;
      for (const schema of ['ticket_intake', 'sla_timer', 'notification', 'gateway']) {
        backlog += (await count(db, `SELECT count(*) AS n FROM "${schema}".outbox WHERE published_at IS NULL`)) ?? 0;
      }
      if (backlog === 0) outboxDrainedMs = elapsed;
    }
    if (pipelineDrainedMs === undefined) {
      tickets = (await count(db, 'SELECT count(*) AS n FROM ticket_intake.tickets')) ?? 0;
      const clocks = (await count(db, 'SELECT count(DISTINCT ticket_id) AS n FROM sla_timer.response_clocks')) ?? 0;
      const acks = (await count(db, 'SELECT count(*) AS n FROM notification.acknowledgments')) ?? 0;
      if (clocks >= tickets && acks >= tickets) pipelineDrainedMs = elapsed;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { outboxDrainedMs, pipelineDrainedMs, tickets };
};

/** A goal's verdict: met, or the factor by which the measured value misses the target. */
const goal = (measured: number, target: number, direction: 'atLeast' | 'atMost' | 'below') => {
  const met = direction === 'atLeast' ? measured >= target : direction === 'atMost' ? measured <= target : measured < target;
  const factor = direction === 'atLeast' ? target / measured : measured / target;
  return { met, measured: Number(measured.toFixed(3)), target, ...(met ? {} : { missedByFactor: Number(factor.toFixed(2)) }) };
};

export const runIntakeBench = async (): Promise<BenchFigures> => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-bench-'));
  // As `npm start` runs it: over a Unix-domain socket (libs/persistence, `unixSocket`).
  const explain = explainLogFrom();
  const pg = new EmbeddedPostgres({ dataDir, port: await freePort(), unixSocket: true, ...(explain ? { onLog: explain.onLog } : {}) });
  const servers: ChildServer[] = [];
  const db = new Client({ connectionString: pg.url('tss_bench') });
  try {
    await pg.start();
    await ensureDatabase(pg.url(), 'tss_bench');
    if (STATEMENTS) await restartWithStatementStats(pg);
    await explain?.enable(pg.url(), 'tss_bench');
    await db.connect();
    if (STATEMENTS) await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const databaseUrl = pg.url('tss_bench');

    const basePort = await freePort();
    const baseline = await startChildServer('baseline', [path.join(__dirname, 'baseline-server.ts')], { env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(basePort) }, port: basePort });
    servers.push(baseline);
    process.stderr.write(`baseline: warm-up ${WARMUP_S} s, then ${DURATION_S} s at ${CONNECTIONS} connections\n`);
    await load(`${baseline.baseUrl}/baseline`, {}, WARMUP_S);
    const baselineFigures = await load(`${baseline.baseUrl}/baseline`, {}, DURATION_S);
    await baseline.stop();

    const port = await freePort();
    const metricsPort = await freePort();
    const profileDir = process.env.BENCH_CPU_PROF_DIR;
    const platform = await startChildServer('platform', ['services/single-process/src/main.ts'], {
      port,
      // A CPU profile of the platform process, written when it exits (docs/performance.md).
      nodeOptions: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : [],
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        METRICS_PORT: String(metricsPort),
        TSS_BOOTSTRAP_CLIENT_ID: ADMIN.id,
        TSS_BOOTSTRAP_CLIENT_SECRET: ADMIN.secret,
        // One client drives all the load: the edge's per-client limit would measure itself.
        TSS_RATE_LIMIT_MAX: '100000000',
      },
    });
    servers.push(platform);
    const authorization = `Bearer ${await partnerTokenOf(platform.baseUrl)}`;
    process.stderr.write(`intake: warm-up ${WARMUP_S} s, then ${DURATION_S} s at ${CONNECTIONS} connections\n`);
    await load(`${platform.baseUrl}/v1/tickets`, { authorization }, WARMUP_S);
    const warmed = await measureDrain(db); // the warm-up's events leave before the measured run starts
    // The platform commits on its own while idle (readers' and timers' polls, metrics): measured
    // here, so the wait for the counters below can tell it from the tail of the run.
    const idleStart = await databaseCounters(db);
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    const idleCommitsPerSecond = ((await databaseCounters(db)).commits - idleStart.commits - 4) / 2.2; // less this probe's own
    const before = await databaseCounters(db);
    const tablesBefore = await tableCounters(db);
    const intakeFigures = await load(`${platform.baseUrl}/v1/tickets`, { authorization }, DURATION_S);
    const drain = await measureDrain(db);
    // The stats collector lags behind the commits by up to a second; pg_stat_force_next_flush
    // flushes only this backend, so wait for the counters to settle.
    // Bounded: an idle platform keeps committing (idleCommitsPerSecond), so "no more commits" never comes.
    let after = await databaseCounters(db);
    for (let settled = false, tries = 0; !settled && tries < 10; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const again = await databaseCounters(db);
      settled = again.commits - after.commits <= 2 + 1.1 * idleCommitsPerSecond * 1.5; // this probe's own two statements commit too
      after = again;
    }
    const databaseWorkPerTicket = perTicket(before, after, drain.tickets - warmed.tickets);
    const rowsPerTicketByTable = perTicketByTable(tablesBefore, await tableCounters(db), drain.tickets - warmed.tickets);
    // Latency at half the rate just measured, the pipeline draining alongside as it would in use.
    const halfRate = Math.max(1, Math.round(intakeFigures.requestsPerSecond / 2));
    process.stderr.write(`intake: ${HALF_RATE_S} s at ${halfRate} requests/s, half the maximum\n`);
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    await eventLoopDelaySinceLastScrape(metricsUrl);
    if (STATEMENTS) await db.query('SELECT pg_stat_statements_reset()');
    const postgresBefore = await postgresProcesses(db);
    const [platformTicks, benchCpu, machineBefore, pacedStarted] = [cpuTicks(platform.child.pid!) ?? 0, process.cpuUsage(), machineTicks(), performance.now()];
    const paced = await postAtFixedRate(`${platform.baseUrl}/v1/tickets`, { authorization }, TICKET, { connections: CONNECTIONS, durationS: HALF_RATE_S, ratePerSecond: halfRate });
    const pacedS = (performance.now() - pacedStarted) / 1000;
    const benchCpuS = ((({ user, system }) => user + system)(process.cpuUsage(benchCpu))) / 1e6;
    const postgresCpu = postgresCpuSeconds(postgresBefore, await postgresProcesses(db));
    const share = (cpuSeconds: number) => Number((cpuSeconds / pacedS).toFixed(3));
    const atHalfRate = {
      ratePerSecond: halfRate,
      ...paced,
      // What the latency waited on: the platform's one thread, and the machine's two cores.
      platformEventLoopDelayMs: await eventLoopDelaySinceLastScrape(metricsUrl),
      shareOfCore: {
        platform: share(((cpuTicks(platform.child.pid!) ?? 0) - platformTicks) / CLK_TCK),
        postgres: share(postgresCpu.total),
        loadGenerator: share(benchCpuS),
      },
      // The clients PostgreSQL worked for, busiest first (pools are named by service, relays and readers by their job).
      postgresShareOfCoreByClient: Object.fromEntries(
        [...postgresCpu.byClient].filter(([, seconds]) => seconds > 0).sort(([, a], [, b]) => b - a).map(([of, seconds]) => [of, share(seconds)]),
      ),
      machine: machineShares(machineBefore, machineTicks()),
      ...(STATEMENTS ? { statementsPerTicket: await heaviestStatements(db, paced.ok, 25) } : {}),
    };
    const halfRateDrain = await measureDrain(db);
    await platform.stop();

    return {
      name: 'intake',
      settings: { durationS: DURATION_S, warmupS: WARMUP_S, halfRateS: HALF_RATE_S, connections: CONNECTIONS, database: 'embedded PostgreSQL over a Unix-domain socket (platform and baseline)' },
      baseline: baselineFigures,
      intake: intakeFigures,
      ratio: Number((intakeFigures.requestsPerSecond / baselineFigures.requestsPerSecond).toFixed(3)),
      drain,
      atHalfRate: { ...atHalfRate, drain: halfRateDrain },
      databaseWorkPerTicket,
      rowsPerTicketByTable,
      idleCommitsPerSecond: Number(idleCommitsPerSecond.toFixed(1)),
      // Each goal says whether it is met and, when it is not, by how much (the factor to go).
      goals: {
        'intake ≥ 30 % of baseline (issue #8)': goal(intakeFigures.requestsPerSecond / baselineFigures.requestsPerSecond, 0.3, 'atLeast'),
        'intake ≥ 50 % of baseline (long run)': goal(intakeFigures.requestsPerSecond / baselineFigures.requestsPerSecond, 0.5, 'atLeast'),
        'outbox drained within 1 s of the load stopping': goal((drain.outboxDrainedMs ?? Infinity) / 1_000, 1, 'atMost'),
        'p99 < 50 ms at half the maximum rate (ms)': goal(atHalfRate.latencyMs.p99, 50, 'below'),
      },
    };
  } catch (error) {
    for (const server of servers) process.stderr.write(`--- ${server.baseUrl} output ---\n${server.output()}\n`);
    throw error;
  } finally {
    for (const server of servers) await server.stop().catch(() => undefined);
    await db.end().catch(() => undefined);
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};

if (require.main === module) {
  runIntakeBench()
    .then((figures) => writeResult(figures))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    });
}
