import { Type, type Static, type TObject } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { InProcessTransport, KafkaTransport, runDeadLetterCommand, type EventTransport } from '@tss/messaging';
import {
  BaseEnv,
  ConfigError,
  createLogger,
  createServiceApp,
  envSchema,
  exitOnSignals,
  installApiDocs,
  installAuthentication,
  JwksKeySource,
  loadConfig,
  OidcEnv,
  withStaffSingleSignOn,
  shutdownInOrder,
  startMetricsServer,
  startTracing,
  systemClock,
  TokenVerifier,
  API_DOCS_PREFIXES,
  type Clock,
  type Closer,
  type PublicKeySource,
  type ServiceApp,
} from '@tss/service-kit';
import { DeferredKeySource } from './deferred-key-source';
import { migrateService, ServiceHost } from './service-host';
import type { ServiceModule } from './service-module';

export const ServiceProcessEnv = envSchema({
  ...BaseEnv,
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://', description: 'PostgreSQL connection URL' }),
  KAFKA_BROKERS: Type.String({ minLength: 1, description: 'Comma-separated host:port list' }),
  KAFKA_TOPIC_PARTITIONS: Type.Integer({ minimum: 1, default: 3 }),
  DB_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  CONSUMER_NOT_YET_MAX_WAIT_MS: Type.Integer({ minimum: 0, default: 60_000, description: 'How long an event may wait for the one it depends on before it is dead-lettered' }),
  MIGRATE_ON_START: Type.Boolean({ default: false }),
  TSS_JWT_ISSUER: Type.String({ default: 'tss' }),
  TSS_JWT_AUDIENCE: Type.String({ default: 'tss-api' }),
  TSS_JWKS_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  ...OidcEnv,
});
export type ServiceProcessEnv = Static<typeof ServiceProcessEnv>;

export interface ServiceInstanceOptions {
  config: ServiceProcessEnv;
  logger: Logger;
  clock?: Clock;
  transport?: EventTransport;
  env?: NodeJS.ProcessEnv;
  /** Where token verification keys come from; default: TSS_JWKS_URL. The gateway passes its key ring. */
  keySource?: (host: ServiceHost) => PublicKeySource;
  /** App-wide hooks registered before any route (the gateway's rate limits and security headers). */
  beforeRoutes?: (app: ServiceApp, host: ServiceHost) => Promise<void>;
  extendApp?: (app: ServiceApp, host: ServiceHost) => Promise<void>;
  consumerRetryBaseMs?: number;
}

export interface ServiceInstance {
  app: ServiceApp;
  host: ServiceHost;
  closers(): Closer[];
}

/** One service with its own HTTP app, database pool and Kafka clients (services mode). */
export const startServiceInstance = async (module: ServiceModule, options: ServiceInstanceOptions): Promise<ServiceInstance> => {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  if (!options.keySource && !config.TSS_JWKS_URL) throw new ConfigError(['TSS_JWKS_URL is required (the gateway JWKS that verifies access tokens)']);
  const transport: EventTransport =
    options.transport ??
    new KafkaTransport({
      brokers: config.KAFKA_BROKERS.split(',').map((b) => b.trim()),
      clientId: module.name,
      logger,
      partitions: config.KAFKA_TOPIC_PARTITIONS,
    });
  await transport.useDatabase?.(config.DATABASE_URL);
  const keys = new DeferredKeySource();
  const tokens = new TokenVerifier({
    issuer: config.TSS_JWT_ISSUER,
    audience: config.TSS_JWT_AUDIENCE,
    keys,
    nowSeconds: () => Math.floor(clock.now().getTime() / 1000),
  });
  const verifier = withStaffSingleSignOn(tokens, config, () => clock.now().getTime());
  const host = await ServiceHost.open(module, {
    databaseUrl: config.DATABASE_URL,
    transport,
    clock,
    logger,
    tokens,
    env: options.env,
    migrate: config.MIGRATE_ON_START,
    poolSize: config.DB_POOL_SIZE,
    consumerNotYetMaxWaitMs: config.CONSUMER_NOT_YET_MAX_WAIT_MS,
    consumerRetryBaseMs: options.consumerRetryBaseMs,
  });
  const jwksUrl = config.TSS_JWKS_URL;
  keys.bind(options.keySource ? options.keySource(host) : new JwksKeySource(jwksUrl ?? '', () => clock.now().getTime()));
  const app = await createServiceApp({ name: module.name, logger, readiness: () => host.readiness(), openapi: { title: `TSS ${module.name}` } });
  // Edge hooks first, so that even a 401 carries security and CORS headers.
  await options.beforeRoutes?.(app, host);
  installAuthentication(app, verifier, API_DOCS_PREFIXES);
  await installApiDocs(app);
  await host.registerRoutes(app);
  await options.extendApp?.(app, host);
  await app.ready();
  await host.start();
  return {
    app,
    host,
    closers: () => [
      { name: 'http', close: () => app.close() },
      { name: 'workers', close: () => host.stop() },
      { name: 'transport', close: () => transport.close() },
      { name: 'database', close: () => host.close() },
    ],
  };
};

/** Loads config, or stops the process (exit 78, EX_CONFIG) naming every bad variable. */
export const loadConfigOrExit = <S extends TObject>(schema: S, name: string, env: NodeJS.ProcessEnv = process.env): Static<S> => {
  try {
    return loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
};

/**
 * `node main.js` serves one service; `node main.js migrate` applies its migrations and exits.
 * A bad environment stops the process with every bad variable named.
 */
export const runServiceProcess = async (
  module: ServiceModule,
  hooks: Pick<ServiceInstanceOptions, 'keySource' | 'beforeRoutes' | 'extendApp'> = {},
  argv: readonly string[] = process.argv.slice(2),
): Promise<void> => {
  const config = loadConfigOrExit(ServiceProcessEnv, module.name);
  const logger = createLogger(module.name, config.LOG_LEVEL);
  if (argv[0] === 'dead-letters') {
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
  if (argv[0] === 'migrate') {
    const applied = await migrateService(module, config.DATABASE_URL);
    logger.info({ applied }, 'migrations applied');
    return;
  }
  const tracing = startTracing({ serviceName: module.name, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const instance = await startServiceInstance(module, { config, logger, ...hooks });
  await instance.app.listen({ host: config.HOST, port: config.PORT });
  const metrics = await startMetricsServer(config.METRICS_PORT, config.HOST);
  exitOnSignals(
    () => shutdownInOrder([...instance.closers(), { name: 'metrics', close: () => metrics.close() }, { name: 'tracing', close: () => tracing.shutdown() }], logger, config.SHUTDOWN_TIMEOUT_MS),
    logger,
  );
};

/** Runs an entry point; a failure to start is printed with its stack and exits 1. */
export const runMain = (name: string, main: () => Promise<void>): void => {
  main().catch((error: unknown) => {
    process.stderr.write(`${name} failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
};
