import type { FastifyServerOptions } from 'fastify';
import { Type, type Static, type TObject } from '@sinclair/typebox';
import type { Logger } from 'pino';
import {
  DEFAULT_NEWER_TYPE_WAIT_MS,
  InProcessTransport,
  KafkaConnectionEnv,
  kafkaConnectionProblems,
  KafkaConsumerGroupEnv,
  kafkaConsumerGroupOptions,
  kafkaConsumerGroupProblems,
  kafkaSecurityOptions,
  KafkaTransport,
  runDeadLetterCommand,
  type EventTransport,
  type KafkaTransportOptions,
  type ReadTextFile,
} from '@tss/messaging';
import {
  BaseEnv,
  ConfigError,
  createLogger,
  envSchema,
  exitOnSignals,
  JwksKeySource,
  JwksStatus,
  loadConfig,
  metricsPortFor,
  OidcEnv,
  RequestDeadlineEnv,
  requestDeadlinesOf,
  shutdownInOrder,
  startMetricsServer,
  startTracing,
  systemClock,
  TokenEnv,
  TokenVerifier,
  withStaffSingleSignOn,
  type AccessTokenVerifier,
  type Clock,
  type Closer,
  type JwksName,
  type PublicKeySource,
  type ServiceApp,
} from '@tss/service-kit';
import { DeferredKeySource } from './deferred-key-source';
import { Platform } from './platform';
import { exitOnUnknownArgument } from './entry-arguments';
import { tellLauncher } from './launcher-notice';
import { CannotListen, listenAs } from './listen-failure';
import { DatabaseUrlSetting, DbConnectTimeoutSetting, listenerPortProblems, loadConfigOrExit, MigrateEnv, moduleConfigProblems, processConfigSchema, ServiceMigrateEnv } from './process-config';
import { migrateService, ServiceHost } from './service-host';
import { describeStartFailure, MigrationFailed } from './start-failure';
import type { ServiceModule } from './service-module';
import { waitForDatabase } from './wait-for-database';

export const ServiceProcessEnv = envSchema({
  ...BaseEnv,
  // Every process's HTTP server bounds how long a request may take to arrive (docs/adr/0063, sixth session).
  ...RequestDeadlineEnv,
  DATABASE_URL: DatabaseUrlSetting,
  KAFKA_BROKERS: Type.String({ minLength: 1, description: 'Comma-separated host:port list' }),
  KAFKA_TOPIC_PARTITIONS: Type.Integer({ minimum: 1, default: 3 }),
  KAFKA_TOPIC_REPLICATION_FACTOR: Type.Integer({
    minimum: 1,
    default: 1,
    description: "Replicas of each partition of a topic a service creates; at most the brokers' count (3 on a three-broker cluster)",
  }),
  ...KafkaConnectionEnv,
  // The consumer group's session timeout, heartbeat and rebalance timeout (docs/adr/0020, addendum of 2026-12-05, fifth session).
  ...KafkaConsumerGroupEnv,
  KAFKA_NAME_PREFIX: Type.Optional(
    Type.String({ pattern: '^[A-Za-z0-9._-]{1,40}$', description: 'Prepended to every topic and consumer group name: isolates environments sharing one Kafka cluster' }),
  ),
  DB_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  DB_CONNECT_TIMEOUT_MS: DbConnectTimeoutSetting,
  CONSUMER_NOT_YET_MAX_WAIT_MS: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 60_000, description: 'How long an event may wait for the one it depends on before it is dead-lettered; at most a day' }),
  CONSUMER_NEWER_TYPE_WAIT_MS: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: DEFAULT_NEWER_TYPE_WAIT_MS,
    description:
      "How long after its own time an event of a type newer than this release, in a family the service reads, is left for a newer replica before it is skipped: a rolling upgrade's length (docs/adr/0072); 0 skips it at once",
  }),
  MIGRATE_ON_START: Type.Boolean({ default: false }),
  ...TokenEnv,
  TSS_JWKS_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  ...OidcEnv,
});
export type ServiceProcessEnv = Static<typeof ServiceProcessEnv>;

/** The process's token verifier wrapped by its service (the gateway records staff signed in through single sign-on), bound once the host is open. */
export interface HostBoundVerifier extends AccessTokenVerifier {
  bindHost(host: ServiceHost): void;
}

export interface ServiceInstanceOptions {
  config: ServiceProcessEnv;
  logger: Logger;
  clock?: Clock;
  transport?: EventTransport;
  env?: NodeJS.ProcessEnv;
  /** Where token verification keys come from; default: TSS_JWKS_URL. The gateway passes its key ring. */
  keySource?: (host: ServiceHost) => PublicKeySource;
  /** Wraps the verifier every request is authenticated with (the gateway's record of single sign-on staff). */
  wrapTokens?: (verifier: AccessTokenVerifier) => HostBoundVerifier;
  /** App-wide hooks registered before any route (the gateway's rate limits and security headers). */
  beforeRoutes?: (app: ServiceApp, host: ServiceHost) => Promise<void>;
  extendApp?: (app: ServiceApp, host: ServiceHost) => Promise<void>;
  consumerRetryBaseMs?: number;
  /** fastify options of the app (the gateway's trustProxy). */
  fastify?: Partial<FastifyServerOptions>;
  /** Leave the relay and consumer to `startWorkers()` (listen first, docs/adr/0020). */
  deferWorkers?: boolean;
}

export interface ServiceInstance {
  app: ServiceApp;
  host: ServiceHost;
  /** Starts the relay and consumer (retrying while the broker is away); only with `deferWorkers`. False: stopped before they started. */
  startWorkers(): Promise<boolean>;
  closers(): Closer[];
}

/** One service with its own HTTP app, database pool and Kafka clients (services mode): a Platform of one. */
export const startServiceInstance = async (module: ServiceModule, options: ServiceInstanceOptions): Promise<ServiceInstance> => {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  if (!options.keySource && !config.TSS_JWKS_URL) throw new ConfigError(['TSS_JWKS_URL is required (the gateway JWKS that verifies access tokens)']);
  const transport: EventTransport = options.transport ?? new KafkaTransport(kafkaTransportOptionsFrom(config, module.name, logger));
  const keys = new DeferredKeySource();
  const tokens = new TokenVerifier({
    issuer: config.TSS_JWT_ISSUER,
    audience: config.TSS_JWT_AUDIENCE,
    keys,
    nowSeconds: () => Math.floor(clock.now().getTime() / 1000),
  });
  const only = (hosts: ReadonlyMap<string, ServiceHost>): ServiceHost => hosts.get(module.name)!;
  const nowMs = () => clock.now().getTime();
  // Services mode: an unreachable JWKS is a log line per outage and tss_jwks_available, not a readiness failure.
  const jwksStatus = (jwks: JwksName) => new JwksStatus({ service: module.name, jwks, logger, nowMs });
  const verifier = withStaffSingleSignOn(tokens, config, nowMs, jwksStatus('oidc'));
  const wrapped = options.wrapTokens?.(verifier);
  const platform = await Platform.start({
    modules: [module],
    name: module.name,
    openapi: { title: `TSS ${module.name}` },
    databaseUrl: config.DATABASE_URL,
    transport,
    clock,
    logger,
    tokens: wrapped ?? verifier,
    env: options.env,
    migrate: config.MIGRATE_ON_START,
    poolSize: config.DB_POOL_SIZE,
    consumerNotYetMaxWaitMs: config.CONSUMER_NOT_YET_MAX_WAIT_MS,
    consumerNewerTypeWaitMs: config.CONSUMER_NEWER_TYPE_WAIT_MS,
    consumerRetryBaseMs: options.consumerRetryBaseMs,
    onHostsOpen: (hosts) => {
      wrapped?.bindHost(only(hosts));
      keys.bind(options.keySource ? options.keySource(only(hosts)) : new JwksKeySource(config.TSS_JWKS_URL ?? '', nowMs, { observer: jwksStatus('gateway') }));
    },
    beforeRoutes: async (app, hosts) => options.beforeRoutes?.(app, only(hosts)),
    extendApp: async (app, hosts) => options.extendApp?.(app, only(hosts)),
    fastify: options.fastify,
    requestDeadlines: requestDeadlinesOf(config),
    deferWorkers: options.deferWorkers,
  });
  return { app: platform.app, host: platform.host(module.name), startWorkers: () => platform.startWorkers(), closers: () => platform.closers() };
};

/** A services-mode process's Kafka transport: brokers, the topics it creates, TLS and SASL, its consumer group's timeouts. */
export const kafkaTransportOptionsFrom = (config: ServiceProcessEnv, clientId: string, logger: Logger, readFile?: ReadTextFile): KafkaTransportOptions => ({
  brokers: config.KAFKA_BROKERS.split(',').map((b) => b.trim()),
  clientId,
  logger,
  partitions: config.KAFKA_TOPIC_PARTITIONS,
  replicationFactor: config.KAFKA_TOPIC_REPLICATION_FACTOR,
  topicPrefix: config.KAFKA_NAME_PREFIX,
  security: kafkaSecurityOptions(config, readFile),
  ...kafkaConsumerGroupOptions(config),
});

/** What an entry point adds to `runServiceProcess`: settings of its own, and hooks that read them (the gateway's). */
export interface ServiceProcessEntry<E extends TObject> extends Omit<ServiceProcessChecks<E>, 'ownKeys'> {
  /** Settings of this entry point alone (the gateway's upstream URLs), validated with all the others. */
  config: E;
  /** Where token verification keys come from; default: TSS_JWKS_URL (then required). */
  keySource?: (host: ServiceHost) => PublicKeySource;
  /** Wraps the process's token verifier (the gateway's record of single sign-on staff). */
  wrapTokens?: (verifier: AccessTokenVerifier) => HostBoundVerifier;
  beforeRoutes?: (app: ServiceApp, host: ServiceHost, settings: Static<E>) => Promise<void>;
  extendApp?: (app: ServiceApp, host: ServiceHost, settings: Static<E>) => Promise<void>;
  /** fastify options that depend on the entry's settings (the gateway's trustProxy). */
  fastifyOptions?: (settings: Static<E>) => Partial<FastifyServerOptions>;
}

const NO_SETTINGS = envSchema({});

/** What a services-mode entry point checks at start beyond every service process's settings and its module's. */
export interface ServiceProcessChecks<E extends TObject = TObject> {
  /** Settings of this entry point alone (the gateway's upstream URLs), validated with all the others. */
  config?: E;
  /** Rules on the environment a schema cannot say (each of the gateway's per-prefix timeouts in range), checked with it before connecting; see `problemsOfValid`. */
  configProblems?: (env: NodeJS.ProcessEnv) => readonly string[];
  /** It verifies tokens with keys of its own (the gateway's key ring, its `keySource`): TSS_JWKS_URL is not required. */
  ownKeys?: boolean;
}

/**
 * Everything a services-mode process checks at start, before it connects: its one schema (its own
 * settings, the runtime's, its module's, its entry point's) and the rules a schema cannot say. One
 * declaration for the process itself (`runServiceProcess`) and for a launcher that checks each
 * service's environment before it starts anything (`npm run start:services`, docs/adr/0006).
 */
export const serviceProcessConfig = <E extends TObject>(module: ServiceModule, checks?: ServiceProcessChecks<E>) => ({
  schema: processConfigSchema(ServiceProcessEnv, NO_SETTINGS, [module], checks?.config ?? NO_SETTINGS),
  problems: (env: NodeJS.ProcessEnv): string[] => [
    ...(checks?.ownKeys || env.TSS_JWKS_URL ? [] : ['TSS_JWKS_URL is required (the gateway JWKS that verifies access tokens)']),
    ...kafkaConnectionProblems(env),
    ...kafkaConsumerGroupProblems(env),
    ...moduleConfigProblems([module])(env),
    ...listenerPortProblems(env),
    ...(checks?.configProblems?.(env) ?? []),
  ],
});

/** What a services-mode entry point takes: nothing (serve), or one command. */
const SERVICE_USAGE = 'usage: main.js [migrate | config-schema | dead-letters …]';

/**
 * `node main.js` serves one service; `node main.js migrate` applies its migrations and exits (it
 * reads DATABASE_URL and LOG_LEVEL only); `node main.js config-schema` prints the JSON Schema of
 * every variable the service reads and exits. Every variable the process reads, its module's
 * included, is checked before anything connects; a bad environment stops the process (exit 78)
 * with every bad variable named. Any other argument stops it with its usage (exit 64).
 */
export const runServiceProcess = async <E extends TObject>(
  module: ServiceModule,
  entry?: ServiceProcessEntry<E>,
  argv: readonly string[] = process.argv.slice(2),
): Promise<void> => {
  // One check of every variable the process reads (its module's and the entry's too), before any connection.
  const { schema, problems } = serviceProcessConfig(module, entry && { config: entry.config, configProblems: entry.configProblems, ownKeys: entry.keySource !== undefined });
  // Only `dead-letters` takes arguments of its own; anything else unknown used to start the service.
  const unknown = argv[0] === 'dead-letters' ? undefined : argv.find((arg, i) => i > 0 || !['migrate', 'config-schema'].includes(arg));
  if (unknown !== undefined) exitOnUnknownArgument(module.name, unknown, SERVICE_USAGE);
  if (argv[0] === 'config-schema') {
    // The same schema the process validates at start: the chart's checks hold each container's
    // environment against it, so a variable the service never reads is found (docs/adr/0021).
    process.stdout.write(`${JSON.stringify(schema)}\n`);
    return;
  }
  if (argv[0] === 'migrate') {
    const config = loadConfigOrExit(ServiceMigrateEnv, module.name);
    const logger = createLogger(module.name, config.LOG_LEVEL);
    try {
      // The chart's hook Job may start before PostgreSQL accepts connections: wait as the service does.
      await waitForDatabaseOrStop(config, logger, 1);
      const applied = await migrateService(module, config.DATABASE_URL, logger);
      logger.info({ applied }, 'migrations applied');
    } catch (error) {
      throw new MigrationFailed(error);
    }
    return;
  }
  if (argv[0] === 'dead-letters') {
    const config = loadConfigOrExit(processConfigSchema(MigrateEnv, envSchema(TokenEnv), [module]), module.name);
    const logger = createLogger(module.name, config.LOG_LEVEL);
    // The service's handlers run here, in the operator's process: the host is opened, never started.
    const host = await ServiceHost.open(module, {
      databaseUrl: config.DATABASE_URL,
      transport: new InProcessTransport(),
      clock: systemClock,
      logger,
      tokens: new TokenVerifier({ issuer: config.TSS_JWT_ISSUER, audience: config.TSS_JWT_AUDIENCE, keys: new DeferredKeySource(), nowSeconds: () => Math.floor(systemClock.now().getTime() / 1000) }),
      migrate: false,
      poolSize: 2,
    });
    try {
      const { exitCode, output } = await runDeadLetterCommand(host.consumer.deadLetters, argv.slice(1));
      process.stdout.write(output);
      process.exitCode = exitCode;
    } finally {
      await host.close();
    }
    return;
  }
  const config = loadConfigOrExit(schema, module.name, process.env, problems);
  const logger = createLogger(module.name, config.LOG_LEVEL);
  await waitForDatabaseOrStop(config, logger);
  const tracing = startTracing({ serviceName: module.name, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, logger });
  const settings = entry && loadConfig(entry.config, process.env);
  const instance = await startServiceInstance(module, {
    config,
    logger,
    keySource: entry?.keySource,
    wrapTokens: entry?.wrapTokens,
    beforeRoutes: entry?.beforeRoutes && settings ? (app, host) => entry.beforeRoutes!(app, host, settings) : undefined,
    extendApp: entry?.extendApp && settings ? (app, host) => entry.extendApp!(app, host, settings) : undefined,
    fastify: entry?.fastifyOptions && settings ? entry.fastifyOptions(settings) : undefined,
    deferWorkers: true,
  });
  // Listen first: probes and requests answer while the consumer group settles (docs/adr/0020).
  await listenAs('PORT', { host: config.HOST, port: config.PORT }, () => instance.app.listen({ host: config.HOST, port: config.PORT }));
  // Stopped first (SIGTERM while the broker is away): the start resolves having started nothing.
  void instance.startWorkers().then((started) => {
    if (started) logger.info('consuming and publishing events');
  });
  const metricsPort = metricsPortFor(config);
  const metrics = await listenAs('METRICS_PORT', { host: config.HOST, port: metricsPort }, () => startMetricsServer(metricsPort, config.HOST));
  exitOnSignals(
    () => shutdownInOrder([...instance.closers(), { name: 'metrics', close: () => metrics.close() }, { name: 'tracing', close: () => tracing.shutdown() }], logger, config.SHUTDOWN_TIMEOUT_MS),
    logger,
  );
  // A launcher that started this process (start:services) takes this for its readiness, never an
  // answer on the port, which may be another process's (launcher-notice.ts).
  const address = instance.app.server.address();
  await tellLauncher({ type: 'tss.listening', port: typeof address === 'object' && address !== null ? address.port : config.PORT, metricsPort: metrics.port });
};

/**
 * Waits for PostgreSQL before anything else connects, as the consumer waits for Kafka: a service
 * (or its `migrate`) started before its database starts once the database does (DESIGN: whatever
 * the order). A SIGTERM or SIGINT meanwhile ends the process at once (nothing to drain yet: exit 0,
 * `migrate` 1); after DB_CONNECT_TIMEOUT_MS the wait fails and the process exits 1 through runMain.
 */
const waitForDatabaseOrStop = async (
  config: Pick<ServiceProcessEnv, 'DATABASE_URL' | 'DB_CONNECT_TIMEOUT_MS'>,
  logger: Logger,
  /** `migrate` stopped before it migrated anything has not done its job: 1, so `migrate && …` stops too. */
  exitCodeWhenStopped = 0,
): Promise<void> => {
  const stopping = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping while waiting for PostgreSQL');
    stopping.abort();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await waitForDatabase({ url: config.DATABASE_URL, timeoutMs: config.DB_CONNECT_TIMEOUT_MS, logger, signal: stopping.signal });
  } catch (error) {
    if (stopping.signal.aborted) process.exit(exitCodeWhenStopped);
    throw error;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
};

/**
 * Runs an entry point; a failure to start (or of `migrate`) exits 1 (78 for a setting) with one line on stderr, the
 * failure's own message when it is one an operator meets (describeStartFailure), its stack when it
 * is a fault, or at LOG_LEVEL debug or trace.
 */
export const runMain = (name: string, main: () => Promise<void>): void => {
  main().catch(async (error: unknown) => {
    process.stderr.write(`${describeStartFailure(name, error, { withStack: /^(debug|trace)$/.test(process.env.LOG_LEVEL ?? '') })}\n`);
    // A launcher that started this process (start:services) is told which listener was refused: a
    // setting to fix, so it stops rather than starts the process again (launcher-notice.ts).
    if (error instanceof CannotListen && error.refused) await tellLauncher({ type: 'tss.cannot-listen', ...error.refused });
    // A setting refused at start (a master key that does not open what is sealed under its id) is a
    // setting error as a bad value is: EX_CONFIG, as loadConfigOrExit exits.
    process.exit(error instanceof ConfigError ? 78 : 1);
  });
};
