// `npm run bench -- memory`: resident memory (RSS, /proc) of the single-process platform and, with
// KAFKA_BROKERS (or BENCH_MEMORY_WITHOUT_BROKER=1), of each service of services mode (their esbuild
// bundles on plain node with the image's NODE_OPTIONS, as the image runs them), idle and under the
// intake load; beside a bare fastify + pg process (the baseline, idle and under its own load). In
// services mode it also reports intake's throughput through the gateway (issue #15, benchmark 1's
// services-mode half), each process's CPU time per filed ticket, and where each service's idle
// memory goes (bench/memory/probe.cjs: anonymous and file-backed RSS, V8's heap spaces, the npm
// packages loaded).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedPostgres, ensureDatabase } from '@tss/persistence';
import { freePort } from '@tss/service-kit/testing';
import { SERVICE_PROCESSES, startServices } from '../../services/single-process/src/start-services';
import { CLK_TCK, cpuTicks, eventLoopDelaySinceLastScrape, routeDurations, routeDurationsBetween, startChildServer, type ChildServer } from '../support/processes';
import type { BenchFigures } from '../support/results';
import { partnerToken } from '../support/platform-api';
import { postAtFixedRate } from '../support/paced-load';
import { postTickets, TICKET } from '../support/ticket-load';
import { sleep } from '../support/timing';

const IDLE_S = Number(process.env.BENCH_MEMORY_IDLE_S ?? 10);
const LOAD_S = Number(process.env.BENCH_DURATION_S ?? 20);
/** Services mode's fixed-rate run at half its measured maximum (issue #15: p99 < 50 ms there). */
const HALF_RATE_S = Number(process.env.BENCH_HALF_RATE_S ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
/**
 * Services mode: the intake load this long first, then a settle, before the measured load (the
 * services' first seconds run unoptimized code: docs/adr/0092). 0: measured from cold.
 */
const WARMUP_S = Number(process.env.BENCH_MEMORY_WARMUP_S ?? 5);
/** The six services together under this share of a core for a second: the consumers have caught up. */
const SETTLED_SHARE_OF_CORE = 0.15;
const SETTLE_LIMIT_S = 180;
const ADMIN = { id: 'bench-admin', secret: 'bench-admin-secret-0123456789' };
const MiB = 1024 * 1024;
/** Issue #15's goal is in MB (10^6 bytes): 150 MB is 143.05 MiB. */
const GOAL_MB = 150;
const GOAL_MIB = Number(((GOAL_MB * 1e6) / MiB).toFixed(2));
const REPO_ROOT = path.resolve(__dirname, '..', '..');
const PROBE = path.join(__dirname, 'probe.cjs');

/** Resident set size of a process, MiB (VmRSS of /proc/<pid>/status). */
export const rssMiB = (pid: number): number => {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(((Number(match[1]) * 1024) / MiB).toFixed(1));
};

/** CPU time (user + system) a process has used so far, ms; it throws once the process is gone. */
export const cpuMs = (pid: number): number => {
  const ticks = cpuTicks(pid);
  if (ticks === undefined) throw new Error(`no CPU time for ${pid}: the process is gone`);
  return (ticks * 1000) / CLK_TCK;
};

/**
 * The NODE_OPTIONS the image runs every service with (the Dockerfile's `ENV NODE_OPTIONS`), so
 * services mode here measures what a pod runs; BENCH_MEMORY_NODE_OPTIONS overrides it (to compare settings).
 */
export const imageNodeOptions = (): string => {
  if (process.env.BENCH_MEMORY_NODE_OPTIONS !== undefined) return process.env.BENCH_MEMORY_NODE_OPTIONS;
  const match = /NODE_OPTIONS="([^"]*)"/.exec(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
  if (!match) throw new Error('the Dockerfile sets no NODE_OPTIONS="..."');
  return match[1];
};

interface ProbeReport {
  rssMiB: number;
  rssAnonMiB: number;
  rssFileMiB: number;
  heapTotalMiB: number;
  heapUsedMiB: number;
  externalMiB: number;
  heapSpaces: Record<string, { sizeMiB: number; usedMiB: number; physicalMiB: number }>;
  gc: Record<string, { count: number; ms: number }>;
  modules: number;
  packages: Record<string, { modules: number; sourceKiB: number }>;
}

/** What bench/memory/probe.cjs (preloaded) reports: it writes on SIGUSR2. */
const readProbe = async (pid: number, dir: string): Promise<ProbeReport> => {
  const file = path.join(dir, `${pid}.json`);
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  const deadline = performance.now() + 5_000;
  while (!existsSync(file)) {
    if (performance.now() > deadline) throw new Error(`process ${pid} wrote no memory probe`);
    await sleep(50);
  }
  await sleep(100); // written in one call; let it finish
  return JSON.parse(readFileSync(file, 'utf8')) as ProbeReport;
};

/** Where a process's memory goes. */
const breakdownOf = (report: ProbeReport): Record<string, unknown> => {
  const spaces = report.heapSpaces;
  return {
    rssAnonMiB: report.rssAnonMiB,
    rssFileMiB: report.rssFileMiB,
    heapTotalMiB: report.heapTotalMiB,
    heapUsedMiB: report.heapUsedMiB,
    newSpaceMiB: spaces.new_space?.physicalMiB,
    oldSpaceMiB: spaces.old_space?.physicalMiB,
    codeSpaceMiB: Number(((spaces.code_space?.physicalMiB ?? 0) + (spaces.code_large_object_space?.physicalMiB ?? 0)).toFixed(1)),
    largeObjectSpaceMiB: spaces.large_object_space?.physicalMiB,
    externalMiB: report.externalMiB,
    modulesLoaded: report.modules,
    largestPackagesKiB: Object.fromEntries(Object.entries(report.packages).slice(0, 8).map(([name, p]) => [name, p.sourceKiB])),
  };
};

/** The highest RSS of each process while `work` runs, sampled every 250 ms. */
const peakWhile = async <T>(pids: Record<string, number>, work: () => Promise<T>): Promise<{ result: T; peakMiB: Record<string, number> }> => {
  const peak: Record<string, number> = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, rssMiB(pid)]));
  const sampler = setInterval(() => {
    for (const [name, pid] of Object.entries(pids)) {
      try {
        peak[name] = Math.max(peak[name], rssMiB(pid));
      } catch {
        // exited
      }
    }
  }, 250);
  try {
    return { result: await work(), peakMiB: peak };
  } finally {
    clearInterval(sampler);
  }
};

const load = (url: string, headers: Record<string, string>, durationS: number) => postTickets(url, headers, { connections: CONNECTIONS, durationS });

/**
 * Waits until the processes together use less than SETTLED_SHARE_OF_CORE of a core over a second
 * (at most SETTLE_LIMIT_S): the events a load left behind are consumed. Answers the seconds it took.
 */
const settled = async (pids: Record<string, number>): Promise<number> => {
  const started = performance.now();
  const used = () => Object.values(pids).reduce((sum, pid) => sum + cpuMs(pid), 0);
  for (;;) {
    const [before, at] = [used(), performance.now()];
    await sleep(1_000);
    const share = (used() - before) / (performance.now() - at);
    const seconds = (performance.now() - started) / 1000;
    if (share < SETTLED_SHARE_OF_CORE || seconds > SETTLE_LIMIT_S) return Number(seconds.toFixed(1));
  }
};

const goal = (measured: number, target: number) => ({ met: measured < target, measuredMiB: measured, targetMiB: target });

export const runMemoryBench = async (): Promise<BenchFigures> => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-bench-memory-'));
  chmodSync(dataDir, 0o755); // PostgreSQL may run as another user (libs/persistence)
  const pg = new EmbeddedPostgres({ dataDir, port: await freePort() });
  const servers: ChildServer[] = [];
  try {
    await pg.start();
    await ensureDatabase(pg.url(), 'tss_bench');
    await ensureDatabase(pg.url(), 'tss_services');
    const databaseUrl = pg.url('tss_bench');

    // Baseline: a bare fastify route doing one INSERT with pg.
    const basePort = await freePort();
    const baseline = await startChildServer('baseline', [path.join(__dirname, '..', 'intake', 'baseline-server.ts')], { env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(basePort) }, port: basePort });
    servers.push(baseline);
    await sleep(IDLE_S * 1000);
    const baselineIdle = rssMiB(baseline.child.pid!);
    const baselineLoaded = await peakWhile({ baseline: baseline.child.pid! }, () => load(`${baseline.baseUrl}/baseline`, {}, LOAD_S));
    await baseline.stop();
    process.stderr.write(`baseline: idle ${baselineIdle} MiB, under load ${baselineLoaded.peakMiB.baseline} MiB\n`);

    // Single-process mode.
    const port = await freePort();
    const platform = await startChildServer('platform', ['services/single-process/src/main.ts'], {
      port,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        METRICS_PORT: String(await freePort()),
        TSS_BOOTSTRAP_CLIENT_ID: ADMIN.id,
        TSS_BOOTSTRAP_CLIENT_SECRET: ADMIN.secret,
        TSS_RATE_LIMIT_MAX: '100000000',
      },
    });
    servers.push(platform);
    await sleep(IDLE_S * 1000);
    const singleIdle = rssMiB(platform.child.pid!);
    const authorization = `Bearer ${await partnerToken(platform.baseUrl, { clientId: ADMIN.id, clientSecret: ADMIN.secret })}`;
    const singleLoaded = await peakWhile({ platform: platform.child.pid! }, () => load(`${platform.baseUrl}/v1/tickets`, { authorization }, LOAD_S));
    await platform.stop();
    process.stderr.write(`single-process: idle ${singleIdle} MiB, under load ${singleLoaded.peakMiB.platform} MiB\n`);

    let servicesMode: Record<string, unknown> = { skipped: 'KAFKA_BROKERS is not set (BENCH_MEMORY_WITHOUT_BROKER=1 runs it without one)' };
    const goals: Record<string, unknown> = {
      'single-process idle < 400 MiB': goal(singleIdle, 400),
    };
    const withoutBroker = !process.env.KAFKA_BROKERS && process.env.BENCH_MEMORY_WITHOUT_BROKER === '1';
    if (process.env.KAFKA_BROKERS || withoutBroker) {
      // Services mode as the image runs it: each service's esbuild bundle on plain node.
      for (const service of SERVICE_PROCESSES) {
        const built = spawnSync(process.execPath, ['tools/build-service.mjs', `services/${service.name}`], { encoding: 'utf8' });
        if (built.status !== 0) throw new Error(`building ${service.name} failed: ${built.stderr}`);
      }
      const nodeOptions = imageNodeOptions();
      const probeDir = path.join(dataDir, 'probe');
      mkdirSync(probeDir);
      // Without a broker the services run against an address nobody listens on: they serve HTTP,
      // write their outboxes and keep retrying the broker; nothing is published or consumed.
      const kafkaBrokers = process.env.KAFKA_BROKERS ?? `127.0.0.1:${await freePort()}`;
      const basePortServices = await freePort();
      const previous = { TSS_RATE_LIMIT_MAX: process.env.TSS_RATE_LIMIT_MAX, NODE_OPTIONS: process.env.NODE_OPTIONS, TSS_MEMORY_PROBE_DIR: process.env.TSS_MEMORY_PROBE_DIR };
      process.env.TSS_RATE_LIMIT_MAX = '100000000';
      process.env.NODE_OPTIONS = `${nodeOptions} --require ${PROBE}`;
      process.env.TSS_MEMORY_PROBE_DIR = probeDir;
      let running: Awaited<ReturnType<typeof startServices>>;
      try {
        running = await startServices({
          dataDir: path.join(dataDir, 'services'),
          basePort: basePortServices,
          metricsBasePort: 0,
          pgPort: 0,
          kafkaPort: 0,
          databaseUrl: pg.url('tss_services'),
          kafkaBrokers,
          kafkaNamePrefix: `bench-memory-${randomBytes(4).toString('hex')}`,
          logLevel: 'warn',
          write: () => undefined,
          bundles: true,
        });
      } finally {
        for (const [name, value] of Object.entries(previous)) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
      try {
        await sleep(IDLE_S * 1000);
        const idle = Object.fromEntries(Object.entries(running.pids).map(([name, pid]) => [name, rssMiB(pid)]));
        const probed: Record<string, ProbeReport> = {};
        for (const [name, pid] of Object.entries(running.pids)) probed[name] = await readProbe(pid, probeDir);
        const servicesAuth = `Bearer ${await partnerToken(running.gatewayUrl, running.admin)}`;
        if (WARMUP_S > 0) {
          process.stderr.write(`services mode: warm-up ${WARMUP_S} s at ${CONNECTIONS} connections\n`);
          await load(`${running.gatewayUrl}/v1/tickets`, { authorization: servicesAuth }, WARMUP_S);
        }
        const settledAfterWarmUpS = await settled(running.pids);
        const cpuBefore = Object.fromEntries(Object.entries(running.pids).map(([name, pid]) => [name, cpuMs(pid)]));
        const loaded = await peakWhile(running.pids, () => load(`${running.gatewayUrl}/v1/tickets`, { authorization: servicesAuth }, LOAD_S));
        const tickets = Math.max(1, loaded.result.ok);
        const cpuPerTicketMs = Object.fromEntries(Object.entries(running.pids).map(([name, pid]) => [name, Number(((cpuMs(pid) - cpuBefore[name]) / tickets).toFixed(2))]));
        // Garbage collection during the load, per filed ticket: what the young generation's size trades.
        const gcPerTicket: Record<string, unknown> = {};
        for (const [name, pid] of Object.entries(running.pids)) {
          const after = (await readProbe(pid, probeDir)).gc;
          const before = probed[name].gc;
          const delta = (kind: string, field: 'count' | 'ms') => (after[kind]?.[field] ?? 0) - (before[kind]?.[field] ?? 0);
          gcPerTicket[name] = {
            minorPerTicket: Number((delta('minor', 'count') / tickets).toFixed(3)),
            majorDuringLoad: delta('major', 'count'),
            pauseMsPerTicket: Number((['minor', 'major', 'incremental', 'weakcb'].reduce((sum, kind) => sum + delta(kind, 'ms'), 0) / tickets).toFixed(3)),
          };
        }
        // The consumers may still be behind intake after its maximum: the half-rate run starts once
        // they have caught up, so it measures its own rate, not the drain of the run before it.
        const settledAfterLoadS = await settled(running.pids);
        // Issue #15, benchmark 1: the latency at a fixed half of the rate just measured.
        const halfRate = Math.max(1, Math.round(loaded.result.requestsPerSecond / 2));
        process.stderr.write(`services mode: ${HALF_RATE_S} s at ${halfRate} requests/s, half the maximum\n`);
        // What each service's one thread and its core did over the paced load: a request waits for
        // the gateway's and ticket-intake's event loops, which the relays and consumers share.
        const scrapeEventLoops = async () =>
          Object.fromEntries(await Promise.all(Object.entries(running.metricsUrls).map(async ([name, url]) => [name, await eventLoopDelaySinceLastScrape(url)] as const)));
        await scrapeEventLoops();
        // The filing's time inside the gateway (its forwarding route; ticket-intake's answer included)
        // and inside ticket-intake. Only filings are POSTed during the paced load.
        const filingRoutes = { gateway: '/v1/*', 'ticket-intake': '/v1/tickets' } as const;
        const filingTimes = () =>
          Promise.all(Object.entries(filingRoutes).map(async ([name, route]) => [name, await routeDurations(running.metricsUrls[name], 'POST', route)] as const));
        const filingBefore = new Map(await filingTimes());
        const cpuBeforeHalfRate = Object.fromEntries(Object.entries(running.pids).map(([name, pid]) => [name, cpuMs(pid)]));
        const halfRateStarted = performance.now();
        const atHalfRate = {
          ratePerSecond: halfRate,
          ...(await postAtFixedRate(`${running.gatewayUrl}/v1/tickets`, { authorization: servicesAuth }, TICKET, { connections: CONNECTIONS, durationS: HALF_RATE_S, ratePerSecond: halfRate })),
          eventLoopDelayMs: await scrapeEventLoops(),
          handlingMs: Object.fromEntries((await filingTimes()).map(([name, after]) => [name, routeDurationsBetween(filingBefore.get(name)!, after)])),
          cpuShareOfCore: Object.fromEntries(
            Object.entries(running.pids).map(([name, pid]) => [name, Number(((cpuMs(pid) - cpuBeforeHalfRate[name]) / (performance.now() - halfRateStarted)).toFixed(3))]),
          ),
        };
        goals['services mode: intake p99 < 50 ms at half the maximum rate'] = { met: atHalfRate.latencyMs.p99 < 50, measuredMs: atHalfRate.latencyMs.p99, targetMs: 50 };
        servicesMode = {
          broker: withoutBroker ? 'none: an address nobody listens on (services serve HTTP and retry the broker; nothing is published or consumed)' : kafkaBrokers,
          nodeOptions,
          idleMiB: idle,
          idleMB: Object.fromEntries(Object.entries(idle).map(([name, mib]) => [name, Number(((mib * MiB) / 1e6).toFixed(1))])),
          idleBreakdown: Object.fromEntries(Object.entries(probed).map(([name, report]) => [name, breakdownOf(report)])),
          underIntakeLoadPeakMiB: loaded.peakMiB,
          underIntakeLoadCpuMsPerTicket: cpuPerTicketMs,
          underIntakeLoadGc: gcPerTicket,
          intake: loaded.result,
          intakeRatioToBaseline: Number((loaded.result.requestsPerSecond / baselineLoaded.result.requestsPerSecond).toFixed(3)),
          intakeAtHalfRate: atHalfRate,
          // Seconds until the six services used under SETTLED_SHARE_OF_CORE of a core: after the
          // warm-up, and after the maximum-rate load (the consumers' backlog).
          settledAfterWarmUpS,
          settledAfterLoadS,
        };
        for (const [name, mib] of Object.entries(idle)) goals[`${name} idle < ${GOAL_MB} MB (${GOAL_MIB} MiB)`] = goal(mib, GOAL_MIB);
        process.stderr.write(`services mode: idle ${JSON.stringify(idle)} MiB, under load ${JSON.stringify(loaded.peakMiB)} MiB, CPU ms per ticket ${JSON.stringify(cpuPerTicketMs)}\n`);
      } finally {
        await running.stop();
      }
    }

    return {
      name: 'memory',
      settings: { idleS: IDLE_S, loadS: LOAD_S, servicesWarmupS: WARMUP_S, connections: CONNECTIONS, goal: `${GOAL_MB} MB = ${GOAL_MIB} MiB per service idle` },
      baseline: { idleMiB: baselineIdle, underLoadPeakMiB: baselineLoaded.peakMiB.baseline, load: baselineLoaded.result },
      singleProcess: {
        idleMiB: singleIdle,
        underIntakeLoadPeakMiB: singleLoaded.peakMiB.platform,
        intake: singleLoaded.result,
        idleRatioToBaseline: Number((singleIdle / baselineIdle).toFixed(2)),
      },
      servicesMode,
      goals,
    };
  } catch (error) {
    for (const server of servers) process.stderr.write(`--- ${server.baseUrl} output ---\n${server.output()}\n`);
    throw error;
  } finally {
    for (const server of servers) await server.stop().catch(() => undefined);
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};
