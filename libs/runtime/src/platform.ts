import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import type { EventTransport } from '@tss/messaging';
import {
  API_DESCRIPTION,
  API_DOCS_PREFIXES,
  createServiceApp,
  installApiDocs,
  installAuthentication,
  SettingRefused,
  type Clock,
  type Closer,
  type RequestDeadlines,
  type ServiceApp,
  type AccessTokenVerifier,
} from '@tss/service-kit';
import { withAnswerBound } from '@tss/persistence';
import { hostSettingsFrom } from './host-settings';
import { ServiceHost } from './service-host';
import type { ServiceModule } from './service-module';

/**
 * The single process's outbox poll (`OUTBOX_POLL_INTERVAL_MS`'s default), which the test helpers
 * use too: commits wake the relays (NOTIFY); the poll only bounds a lost wake-up (docs/adr/0079).
 */
export const PLATFORM_RELAY_POLL_MS = 500;

export interface PlatformOptions {
  /** The services to host, in start order. */
  modules: readonly ServiceModule[];
  databaseUrl: string;
  transport: EventTransport;
  clock: Clock;
  logger: Logger;
  tokens: AccessTokenVerifier;
  env?: NodeJS.ProcessEnv;
  migrate: boolean;
  /** The app's name in logs and the OpenAPI title (default: `tss`, the whole API). */
  name?: string;
  openapi?: { title: string; description?: string };
  poolSize?: number;
  relayPollIntervalMs?: number;
  consumerRetryBaseMs?: number;
  consumerNotYetMaxWaitMs?: number;
  consumerNewerTypeWaitMs?: number;
  /** Runs once the hosts are open, before the app exists (binds key sources to a host's database). */
  onHostsOpen?: (hosts: ReadonlyMap<string, ServiceHost>) => void | Promise<void>;
  /** Runs before any service route is registered: app-wide hooks (rate limits, security headers). */
  beforeRoutes?: (app: ServiceApp, hosts: ReadonlyMap<string, ServiceHost>) => Promise<void>;
  /** Runs after the services' routes are registered, before the app is ready (docs, extra routes). */
  extendApp?: (app: ServiceApp, hosts: ReadonlyMap<string, ServiceHost>) => Promise<void>;
  /** fastify options of the one app (the gateway's trustProxy). */
  fastify?: Partial<FastifyServerOptions>;
  /** How long a request may take to arrive (TSS_REQUEST_TIMEOUT_MS, TSS_UPLOAD_TIMEOUT_MS); default: their schema defaults. */
  requestDeadlines?: RequestDeadlines;
  /**
   * Leave relays and consumers to `startWorkers()`, so a process can listen first: joining a Kafka
   * group waits for a crashed member's session to time out, and probes must answer meanwhile
   * (docs/adr/0020). Default: start them before `start` resolves (tests, tools).
   */
  deferWorkers?: boolean;
}

const WORKER_RETRY_MAX_MS = 30_000;

/**
 * One or more services in one process behind one HTTP app: the single-process mode (all of them),
 * a services-mode process (one, `startServiceInstance`), and the tests. This is the one start-up
 * (STYLE.md 3b): open the hosts, build the app (edge hooks, authentication, docs, routes), start
 * the hosts. Each service keeps its own schema, outbox, relay and inbox; the transport is whichever
 * the caller passes (in-process for `npm start`, Kafka in services mode and the Kafka suites).
 */
export class Platform {
  private constructor(
    readonly app: ServiceApp,
    readonly hosts: ReadonlyMap<string, ServiceHost>,
    private readonly options: PlatformOptions,
  ) {}

  static async start(options: PlatformOptions): Promise<Platform> {
    // The in-process transport's log lives in the platform's database (docs/adr/0013), its
    // appends timed by the platform's clock, which its retention ages them by (docs/adr/0032).
    await options.transport.useDatabase?.(options.databaseUrl, { clock: options.clock });
    const hosts = new Map<string, ServiceHost>();
    for (const module of options.modules) {
      hosts.set(
        module.name,
        await ServiceHost.open(module, {
          databaseUrl: options.databaseUrl,
          transport: options.transport,
          clock: options.clock,
          logger: options.logger,
          tokens: options.tokens,
          env: options.env,
          migrate: options.migrate,
          poolSize: options.poolSize ?? 5,
          relayPollIntervalMs: options.relayPollIntervalMs,
          consumerRetryBaseMs: options.consumerRetryBaseMs,
          consumerNotYetMaxWaitMs: options.consumerNotYetMaxWaitMs,
          consumerNewerTypeWaitMs: options.consumerNewerTypeWaitMs,
        }),
      );
    }
    // Every service's settings against its data (master keys), before any service serves or writes:
    // one refusal names every problem of every service (docs/adr/0014, seventh session).
    const problems: string[] = [];
    for (const host of hosts.values()) problems.push(...(await host.startProblems()));
    if (problems.length > 0) {
      for (const host of hosts.values()) await host.close();
      await options.transport.close();
      throw new SettingRefused(problems);
    }
    await options.onHostsOpen?.(hosts);
    const app = await createServiceApp({
      name: options.name ?? 'tss',
      logger: options.logger,
      readiness: () => [...hosts.values()].flatMap((h) => h.readiness()),
      openapi: options.openapi ?? { title: 'TSS API', description: API_DESCRIPTION },
      fastify: options.fastify,
      requestDeadlines: options.requestDeadlines,
    });
    // Before any hook that may read the database (authentication, idempotency): every statement sent
    // for a request waits at most DB_ANSWER_TIMEOUT_MS for PostgreSQL, then the request is answered
    // 503 with Retry-After (docs/adr/0073). Work outside requests is not bound by it.
    const { answerTimeoutMs } = hostSettingsFrom(options.env ?? process.env);
    app.addHook('onRequest', (_request, _reply, done) => withAnswerBound(answerTimeoutMs, done));
    // Edge hooks first, so that even a 401 carries security and CORS headers.
    await options.beforeRoutes?.(app, hosts);
    installAuthentication(app, options.tokens, API_DOCS_PREFIXES);
    await installApiDocs(app);
    for (const host of hosts.values()) await host.registerRoutes(app);
    await options.extendApp?.(app, hosts);
    await app.ready();
    const platform = new Platform(app, hosts, options);
    if (!options.deferWorkers) {
      for (const host of hosts.values()) await host.start();
      platform.startLogRetention();
    }
    return platform;
  }

  /** Aborted by the `workers:start` closer: no further attempt, and no pause before one. */
  private readonly workersStopping = new AbortController();
  private workersStarting?: Promise<boolean>;

  /**
   * Starts every host's relay and consumer, retrying a host whose start fails (the broker away at
   * start-up) with backoff until it succeeds or the platform stops: the process keeps serving
   * through its outbox meanwhile. Resolves true once every host has started, false once stopped
   * first (a stop during a retry's pause ends the pause: the start resolves, and started nothing).
   */
  startWorkers(): Promise<boolean> {
    const { signal } = this.workersStopping;
    this.workersStarting ??= (async () => {
      for (const host of this.hosts.values()) {
        for (let attempt = 1; ; attempt += 1) {
          if (signal.aborted) return false;
          try {
            await host.start();
            break;
          } catch (error) {
            if (signal.aborted) return false;
            const retryInMs = Math.min(WORKER_RETRY_MAX_MS, 500 * 2 ** Math.min(attempt, 6));
            this.options.logger.warn({ err: error, service: host.module.name, attempt, retryInMs }, 'consumer could not start; retrying');
            await delay(retryInMs, undefined, { signal, ref: false }).catch(() => undefined);
          }
        }
      }
      if (signal.aborted) return false;
      this.startLogRetention();
      return true;
    })();
    return this.workersStarting;
  }

  /**
   * The transport's own log, if it keeps one (in-process), is pruned like the hosts' outboxes and
   * inboxes, with their settings, from when the workers run (docs/adr/0032): one pruner per
   * process, as the log is the process's, not a service's. The transport's closer stops it.
   */
  private startLogRetention(): void {
    this.options.transport.startRetention?.({
      ...hostSettingsFrom(this.options.env ?? process.env).retention,
      logger: this.options.logger.child({ component: 'event-log-retention' }),
    });
  }

  host(name: string): ServiceHost {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`no service ${name} in this platform`);
    return host;
  }

  /** Stop taking requests (in-flight ones finish), stop consumers and relays, close the transport and pools. */
  closers(): Closer[] {
    const hosts = [...this.hosts.values()];
    return [
      { name: 'http', close: () => this.app.close() },
      {
        // Not awaited: a start in flight may be inside kafkajs's connection retries during a broker
        // outage (tens of seconds; disconnecting does not end them), and SIGTERM then waited for
        // SHUTDOWN_TIMEOUT_MS and exited 1. The hosts' stop, next, stops what has started, and a
        // start that completes after it undoes itself (ServiceHost.start, EventConsumer.start).
        name: 'workers:start',
        close: async () => this.workersStopping.abort(),
      },
      ...hosts.map((h) => ({ name: `${h.module.name}:workers`, close: () => h.stop() })),
      { name: 'transport', close: () => this.options.transport.close() },
      ...hosts.map((h) => ({ name: `${h.module.name}:database`, close: () => h.close() })),
    ];
  }

  async stop(): Promise<void> {
    for (const closer of this.closers()) await closer.close();
  }
}
