// Services mode on one machine (`npm run start:services`, deploy/local/start-services.ts) on one machine for a newcomer. Starts PostgreSQL (the
// embedded one, unless DATABASE_URL is given), a Kafka broker (deploy/kafka, unless KAFKA_BROKERS
// is given), migrates every service, then runs each service as its own process on its own ports,
// and prints the gateway's URL, as `npm start` does for one process. Ctrl-C stops it all.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { EmbeddedPostgres, ensureDatabase } from '@tss/persistence';
import { restartEmbeddedPostgresOnExit } from '@tss/runtime';
import { createLogger } from '@tss/service-kit';
import { bootstrapAdminOf, holdsDatabase, siteLinkKeyMadeLateWarning, siteLinkKeysOf } from './data-folder';
import { PG_PORT_WAIT_MS, startOnPgPort } from './embedded-postgres-port';
import { checkPortsFree, placedPorts, refusedServiceListener } from './launcher-ports';
import { ServiceChild } from './service-child';
import { SERVICE_PROCESSES, serviceProcessEnv, serviceUrls } from './service-processes';

export { SERVICE_PROCESSES } from './service-processes';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export interface StartServicesOptions {
  dataDir: string;
  /** The gateway listens here; service i listens on basePort + i. */
  basePort: number;
  /** Service i exposes metrics on metricsBasePort + i (0: each picks a free port). */
  metricsBasePort: number;
  /** The embedded PostgreSQL's TCP port (TSS_PG_PORT; default SERVICES_MODE_PG_PORT, outside the ephemeral range). */
  pgPort: number;
  /** TSS_PG_PORT_WAIT_MS: how long pgPort, held by another process at start, is waited for (default 30 s; 0: fail at once). */
  pgPortWaitMs?: number;
  /** Where the kernel's ephemeral port range is read (a warning when pgPort lies in it); tests give their own. */
  localPortRangeFile?: string;
  kafkaPort: number;
  databaseUrl?: string;
  kafkaBrokers?: string;
  /** KAFKA_NAME_PREFIX of every service: topics and groups of their own on a shared broker. */
  kafkaNamePrefix?: string;
  logLevel: string;
  /** Where the services' output goes (prefixed with their names). */
  write: (line: string) => void;
  /**
   * Run the bundles of `node tools/build-service.mjs` (dist/services/<name>/main.js), as the image
   * does, instead of the TypeScript sources through tsx; the caller builds them first. A folder
   * instead of `true`: the bundles built there (`node tools/build-service.mjs <root> <folder>`).
   */
  bundles?: boolean | string;
  /** Aborting it (Ctrl-C during start-up) stops what was started so far and rejects. */
  signal?: AbortSignal;
  /** Pause before restarting a service that exited on its own: doubles from this, up to 30 s (tests: short). */
  restartDelayMs?: number;
}

export interface RunningServices {
  gatewayUrl: string;
  urls: Record<string, string>;
  /** Each service's `/metrics`, on the port it bound at its start (TSS_METRICS_BASE_PORT=0: a free one each). */
  metricsUrls: Record<string, string>;
  admin: { clientId: string; clientSecret: string };
  databaseUrl: string;
  kafkaBrokers: string;
  /** Each service's process id (benchmarks read their memory); updated when a service is restarted. */
  pids: Record<string, number>;
  /** How each service ended when `stop()` stopped it: its exit, and how long it took after SIGTERM. */
  exits: Record<string, ServiceExit>;
  /** Stops the services (gateway first), then the broker and PostgreSQL it started; safe to call twice. */
  stop(): Promise<void>;
  /**
   * Settles once the platform stopped itself, with why: a service's port, taken by another process
   * after the start, so that the service, started again, could not listen (a CannotListen naming
   * the launcher's setting). Never rejects; pending while it runs.
   */
  failure: Promise<Error>;
}

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stopMs: number;
}

const pipeLines = (child: ChildProcess, name: string, write: (line: string) => void): void => {
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line) write(`[${name}] ${line}`);
    });
  }
};

// kafkajs 2.2.4 passes a negative delay to setTimeout on connect (tulios/kafkajs#1751); Node 24
// warns and uses 1 ms, which is what kafkajs meant. Only that warning is silenced. A service gets
// an IPC channel (`ipc`): it tells the launcher there that it listens, or which port was refused.
const runNode = (entry: string, args: string[], env: NodeJS.ProcessEnv, bundles: boolean | string = false, ipc = false): ChildProcess =>
  spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', ...(bundles ? [bundleOf(entry, bundles === true ? 'dist' : bundles)] : ['--import', 'tsx', path.join(REPO_ROOT, entry)]), ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? (['ipc'] as const) : [])],
  });

/** `services/<name>/src/main.ts`'s bundle in `folder` (relative to the repository, or absolute). */
const bundleOf = (entry: string, folder: string): string => path.resolve(REPO_ROOT, folder, entry.replace(/src\/main\.ts$/, 'main.js'));

const exitOf = async (child: ChildProcess): Promise<number | null> => (child.exitCode !== null ? child.exitCode : ((await once(child, 'exit')) as [number | null])[0]);

/**
 * The broker's settings: its data in the data folder, kept when it stops and used again at the next
 * start, as PostgreSQL's is. Events published but not yet consumed (a service that was down or
 * behind) wait there across a restart of the command; outbox rows are marked published once the
 * broker has them, so a broker started empty would lose them.
 */
export const brokerEnv = (options: Pick<StartServicesOptions, 'dataDir' | 'kafkaPort'>): NodeJS.ProcessEnv => ({
  KAFKA_PORT: String(options.kafkaPort),
  KAFKA_RUN_DIR: path.join(options.dataDir, 'kafka'),
  KAFKA_KEEP_DATA: '1',
});

/** A service that ran this long before it exited is restarted after the first pause again. */
const RESTART_RESET_AFTER_MS = 60_000;
const RESTART_MAX_DELAY_MS = 30_000;

export const startServices = async (options: StartServicesOptions): Promise<RunningServices> => {
  const pgPortWaitMs = options.pgPortWaitMs ?? PG_PORT_WAIT_MS;
  // Every service reads HOST from the environment it passes on, as each does alone.
  const ports = placedPorts({ ...options, serviceNames: SERVICE_PROCESSES.map((s) => s.name), serviceHost: process.env.HOST || '127.0.0.1' });
  const cleanups: (() => Promise<void>)[] = [];
  let stopping: Promise<void> | undefined;
  // Once: a second Ctrl-C, or a stop after a failed start, waits for the first.
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => options.write(`stop: ${String(error)}`));
    })());
  const checkNotAborted = () => {
    if (options.signal?.aborted) throw new Error('start:services was stopped during start-up');
  };
  try {
    checkNotAborted();
    // Before anything starts or is written, every port is checked free: a platform already running
    // on them answered for this one (docs/adr/0006, addendum of 2026-12-05, fifth session, later).
    // A TSS_PG_PORT to wait for is waited for by PostgreSQL's own start, the first step.
    await checkPortsFree(ports.filter((p) => p.setting !== 'TSS_PG_PORT' || pgPortWaitMs === 0));
    // Asked before PostgreSQL starts (and makes its cluster on a first start): a link key made for a
    // folder that held data already is said (data-folder.ts).
    const heldDatabase = holdsDatabase(options.dataDir);
    mkdirSync(options.dataDir, { recursive: true });
    let databaseUrl = options.databaseUrl;
    if (!databaseUrl) {
      // The launcher's own lines (PostgreSQL's exits and restarts), as the services' are: JSON after its name.
      const logger = createLogger('start:services', options.logLevel, { write: (line: string) => options.write(`[start:services] ${line.trimEnd()}`) });
      const pg = new EmbeddedPostgres({ dataDir: options.dataDir, port: options.pgPort, ownProcessGroup: true });
      // Aborted while it waits for a port another process holds: the wait ends at once (docs/adr/0006).
      await startOnPgPort(pg, { port: options.pgPort, waitMs: pgPortWaitMs, logger, signal: options.signal, localPortRangeFile: options.localPortRangeFile });
      // A server that dies (kill, crash) is logged at error level and started again, as under `npm start` (docs/adr/0006).
      const pgRestarts = restartEmbeddedPostgresOnExit(pg, { logger });
      cleanups.push(async () => {
        await pgRestarts.stop();
        await pg.stop();
      });
      await ensureDatabase(pg.url(), 'tss');
      databaseUrl = pg.url('tss');
    }

    checkNotAborted();
    let kafkaBrokers = options.kafkaBrokers;
    if (!kafkaBrokers) {
      const broker = path.join(REPO_ROOT, 'deploy/kafka/kafka-broker.sh');
      const env = { ...process.env, ...brokerEnv(options) };
      const started = spawnSync('bash', [broker, 'start'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      if (started.status !== 0) throw new Error(`the Kafka broker did not start (exit ${started.status})`);
      kafkaBrokers = /KAFKA_BROKERS=(\S+)/.exec(started.stdout)?.[1] ?? `127.0.0.1:${options.kafkaPort}`;
      cleanups.push(async () => {
        spawnSync('bash', [broker, 'stop'], { env, stdio: 'inherit' });
      });
    }

    // Every service's migrations first; `migrate` needs only the database.
    for (const service of SERVICE_PROCESSES) {
      checkNotAborted();
      const child = runNode(service.entry, ['migrate'], { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: options.logLevel }, options.bundles);
      pipeLines(child, `${service.name} migrate`, options.write);
      const code = await exitOf(child);
      if (code !== 0) throw new Error(`${service.name} migrate exited with ${code}`);
    }

    const urls = serviceUrls(options.basePort);
    const admin = bootstrapAdminOf(options.dataDir);
    let siteLinkKeys = process.env.TSS_SITE_LINK_KEYS;
    if (!siteLinkKeys) {
      const kept = siteLinkKeysOf(options.dataDir, heldDatabase);
      if (kept.madeLate) options.write(`[start:services] ${siteLinkKeyMadeLateWarning(kept.madeLate)}`);
      siteLinkKeys = kept.keys;
    }
    // Each service's environment, as the launcher checked it before it started anything (deploy/local/start-services.ts).
    const plan = {
      env: process.env,
      dataDir: options.dataDir,
      basePort: options.basePort,
      metricsBasePort: options.metricsBasePort,
      databaseUrl,
      kafkaBrokers,
      kafkaNamePrefix: options.kafkaNamePrefix,
      logLevel: options.logLevel,
      admin,
      siteLinkKeys,
    };
    const children: ServiceChild[] = [];
    const pids: Record<string, number> = {};
    const exits: Record<string, ServiceExit> = {};
    const serviceRestarts = new Set<NodeJS.Timeout>();
    let stoppedBecause: (error: Error) => void = () => undefined;
    const failure = new Promise<Error>((resolve) => (stoppedBecause = resolve));
    // A service that exits during start-up fails the start (its message says why); after it, it is restarted.
    let serving = false;
    cleanups.push(async () => {
      for (const timer of serviceRestarts) clearTimeout(timer);
      // Edge first, so no new request reaches a service that is going away.
      for (const { name, child } of children) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
        const signalledAt = performance.now();
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        const [code, signal] = await exited;
        clearTimeout(timer);
        exits[name] = { code, signal, stopMs: performance.now() - signalledAt };
        // A service that did not drain cleanly (its SHUTDOWN_TIMEOUT_MS ran out) says why above; name it here.
        if (code !== 0) options.write(`[start:services] ${name} did not stop cleanly (${signal ? `signal ${signal}` : `code ${code}`}) after ${(exits[name].stopMs / 1000).toFixed(1)} s`);
      }
    });
    const firstDelayMs = options.restartDelayMs ?? 1_000;
    /**
     * Runs a service as a child process and, when it exits on its own (a crash, a kill -9), says so
     * and starts it again after a pause that doubles while it keeps failing, as a Deployment's
     * restarts would; the others keep running meanwhile (events wait in the outboxes).
     */
    const supervise = (index: number, name: string, run: () => ChildProcess, delayMs = firstDelayMs): void => {
      const service = new ServiceChild(name, run());
      const { child } = service;
      const startedAt = performance.now();
      pipeLines(child, name, options.write);
      children[index] = service;
      if (child.pid) pids[name] = child.pid;
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        if (stopping || !serving) return;
        if (service.refused) {
          // Its port, free at the start, taken since: started again, it would fail again, for ever
          // (an outside test). A setting to fix: the platform stops, with the line naming it.
          const refusal = refusedServiceListener(ports, name, service.refused);
          options.write(`[start:services] ${name} exited (${signal ? `signal ${signal}` : `code ${code}`}): its port is taken, so it is not started again; stopping everything`);
          void stop().then(() => stoppedBecause(refusal));
          return;
        }
        const ranMs = performance.now() - startedAt;
        const pause = ranMs >= RESTART_RESET_AFTER_MS ? firstDelayMs : delayMs;
        options.write(`[start:services] ${name} exited (${signal ? `signal ${signal}` : `code ${code}`}); starting it again in ${Math.round(pause / 100) / 10} s`);
        const timer = setTimeout(() => {
          serviceRestarts.delete(timer);
          if (!stopping) supervise(index, name, run, Math.min(pause * 2, RESTART_MAX_DELAY_MS));
        }, pause);
        serviceRestarts.add(timer);
      });
    };
    SERVICE_PROCESSES.forEach((service, i) => {
      const env = serviceProcessEnv(i, plan);
      supervise(i, service.name, () => runNode(service.entry, [], env, options.bundles, true));
    });
    // Ready: each service says so itself (gateway first; the others verify tokens against it).
    for (const service of [...children]) {
      checkNotAborted();
      await service.untilListening(120_000, (refused) => refusedServiceListener(ports, service.name, refused), options.signal);
    }
    checkNotAborted();
    serving = true;
    const metricsUrls = Object.fromEntries(children.map(({ name, metricsPort }) => [name, `http://127.0.0.1:${metricsPort}/metrics`]));
    return { gatewayUrl: urls.gateway, urls, metricsUrls, admin, databaseUrl, kafkaBrokers, pids, exits, stop, failure };
  } catch (error) {
    await stop();
    // An abort that ended a wait (for TSS_PG_PORT) says so as the other steps' checks do.
    throw options.signal?.aborted ? new Error('start:services was stopped during start-up', { cause: error }) : error;
  }
};
