// `npm run bench -- memory`: resident memory (RSS, /proc) of the single-process platform and, with
// KAFKA_BROKERS, of each service of services mode (their esbuild bundles on plain node, as the image
// runs them), idle and under the intake load; beside a bare
// fastify + pg process (the baseline, idle and under its own load). In services mode it also
// reports intake's throughput through the gateway (issue #15, benchmark 1's services-mode half).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { EmbeddedPostgres, ensureDatabase } from '@tss/persistence';
import { freePort } from '@tss/service-kit/testing';
import { SERVICE_PROCESSES, startServices } from '../../services/single-process/src/start-services';
import { startChildServer, type ChildServer } from '../support/processes';
import type { BenchFigures } from '../support/results';
import { partnerToken } from '../support/platform-api';

const IDLE_S = Number(process.env.BENCH_MEMORY_IDLE_S ?? 10);
const LOAD_S = Number(process.env.BENCH_DURATION_S ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const ADMIN = { id: 'bench-admin', secret: 'bench-admin-secret-0123456789' };
const MiB = 1024 * 1024;

const TICKET = JSON.stringify({
  product: 'reader',
  productVersion: '4.2.1',
  subject: 'Reader crashes on opening EPUB',
  description: 'The reader closes when opening any EPUB from the library.',
  browser: 'Firefox 133',
  operatingSystem: 'Windows',
  operatingSystemVersion: '11',
});

/** Resident set size of a process, MiB (VmRSS of /proc/<pid>/status). */
export const rssMiB = (pid: number): number => {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(((Number(match[1]) * 1024) / MiB).toFixed(1));
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

const load = async (url: string, headers: Record<string, string>, durationS: number, body?: string) => {
  const result = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, connections: CONNECTIONS, duration: durationS });
  return { requestsPerSecond: Math.round(result.requests.average), ok: result['2xx'], non2xx: result.non2xx, latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max } };
};

const goal = (measured: number, target: number) => ({ met: measured < target, measuredMiB: measured, targetMiB: target });

export const runMemoryBench = async (): Promise<BenchFigures> => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-bench-memory-'));
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
    const baselineLoaded = await peakWhile({ baseline: baseline.child.pid! }, () => load(`${baseline.baseUrl}/baseline`, {}, LOAD_S, TICKET));
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
    const singleLoaded = await peakWhile({ platform: platform.child.pid! }, () => load(`${platform.baseUrl}/v1/tickets`, { authorization }, LOAD_S, TICKET));
    await platform.stop();
    process.stderr.write(`single-process: idle ${singleIdle} MiB, under load ${singleLoaded.peakMiB.platform} MiB\n`);

    let servicesMode: Record<string, unknown> = { skipped: 'KAFKA_BROKERS is not set' };
    const goals: Record<string, unknown> = {
      'single-process idle < 400 MiB': goal(singleIdle, 400),
    };
    if (process.env.KAFKA_BROKERS) {
      // Services mode as the image runs it: each service's esbuild bundle on plain node.
      for (const service of SERVICE_PROCESSES) {
        const built = spawnSync(process.execPath, ['tools/build-service.mjs', `services/${service.name}`], { encoding: 'utf8' });
        if (built.status !== 0) throw new Error(`building ${service.name} failed: ${built.stderr}`);
      }
      const basePortServices = await freePort();
      const previousLimit = process.env.TSS_RATE_LIMIT_MAX;
      process.env.TSS_RATE_LIMIT_MAX = '100000000';
      const running = await startServices({
        dataDir: path.join(dataDir, 'services'),
        basePort: basePortServices,
        metricsBasePort: 0,
        pgPort: 0,
        kafkaPort: 0,
        databaseUrl: pg.url('tss_services'),
        kafkaBrokers: process.env.KAFKA_BROKERS,
        kafkaNamePrefix: `bench-memory-${randomBytes(4).toString('hex')}`,
        logLevel: 'warn',
        write: () => undefined,
        bundles: true,
      });
      process.env.TSS_RATE_LIMIT_MAX = previousLimit;
      try {
        await sleep(IDLE_S * 1000);
        const idle = Object.fromEntries(Object.entries(running.pids).map(([name, pid]) => [name, rssMiB(pid)]));
        const servicesAuth = `Bearer ${await partnerToken(running.gatewayUrl, running.admin)}`;
        const loaded = await peakWhile(running.pids, () => load(`${running.gatewayUrl}/v1/tickets`, { authorization: servicesAuth }, LOAD_S, TICKET));
        servicesMode = {
          idleMiB: idle,
          underIntakeLoadPeakMiB: loaded.peakMiB,
          intake: loaded.result,
          intakeRatioToBaseline: Number((loaded.result.requestsPerSecond / baselineLoaded.result.requestsPerSecond).toFixed(3)),
        };
        for (const [name, mib] of Object.entries(idle)) goals[`${name} idle < 150 MiB`] = goal(mib, 150);
        process.stderr.write(`services mode: idle ${JSON.stringify(idle)}, under load ${JSON.stringify(loaded.peakMiB)}\n`);
      } finally {
        await running.stop();
      }
    }

    return {
      name: 'memory',
      settings: { idleS: IDLE_S, loadS: LOAD_S, connections: CONNECTIONS },
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
