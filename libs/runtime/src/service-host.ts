import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { assertSchemaCompatible, createServiceDataSource, DEFAULT_CONNECT_TIMEOUT_MS, initializeAndMigrate, pingDatabase, SchemaNeedsNewerRelease } from '@tss/persistence';
import { EventConsumer, EventRetention, Outbox, OutboxRelay, UnitOfWork, type EventTransport } from '@tss/messaging';
import { countRoutesAs, envSchema, loadConfig, type Clock, type ReadinessCheck, type ServiceApp, type AccessTokenVerifier, namedPlugin } from '@tss/service-kit';
import { hostSettingsFrom, type HostSettings } from './host-settings';
import type { ServiceModule, ServiceParts } from './service-module';
import { withIdempotency } from './idempotency/with-idempotency';

export interface ServiceHostOptions {
  databaseUrl: string;
  transport: EventTransport;
  clock: Clock;
  logger: Logger;
  tokens: AccessTokenVerifier;
  env?: NodeJS.ProcessEnv;
  /** Apply pending migrations at start (single-process mode, tests); otherwise refuse to start with pending ones. */
  migrate: boolean;
  poolSize?: number;
  relayPollIntervalMs?: number;
  consumerMaxAttempts?: number;
  consumerRetryBaseMs?: number;
  /** How long a handler may answer NotYet before its event is dead-lettered (docs/adr/0013). */
  consumerNotYetMaxWaitMs?: number;
  /** How long, from its own time, an event of a type newer than the release waits for a newer member of the group (docs/adr/0072). */
  consumerNewerTypeWaitMs?: number;
}

const NO_SETTINGS = envSchema({});

/**
 * A release refusing a schema a contract migration it lacks made incompatible with it: one line at
 * error level naming the schema, the floor, this release's newest migration and what to do
 * (docs/adr/0071). Other errors are the caller's to report.
 */
const logRefusal = (logger: Logger, module: ServiceModule, error: unknown): void => {
  if (!(error instanceof SchemaNeedsNewerRelease)) return;
  logger.error(
    { service: module.name, schema: error.schema, floors: error.floors, releaseNewestMigration: error.releaseNewestMigration },
    `${module.name} refuses to start: ${error.message}`,
  );
};

/** A schema missing migrations of this release, and no MIGRATE_ON_START: the migrate command's to bring up first. */
export class PendingMigrations extends Error {
  constructor(service: string) {
    super(`${service}: pending migrations; run its migrate command first (or set MIGRATE_ON_START=true)`);
  }
}
PendingMigrations.prototype.name = 'PendingMigrations';

/** Without MIGRATE_ON_START: a schema missing migrations of this release is the migrate command's to bring up first. */
const assertNothingPending = async (module: ServiceModule, dataSource: DataSource): Promise<void> => {
  const [{ present }] = (await dataSource.query('SELECT to_regclass($1) IS NOT NULL AS present', [`"${module.schema}".schema_migrations`])) as { present: boolean }[];
  if (!present || (await dataSource.showMigrations())) throw new PendingMigrations(module.name);
};

/** Applies a service's pending migrations and disconnects (the `migrate` command). */
export const migrateService = async (module: ServiceModule, databaseUrl: string, logger?: Logger): Promise<string[]> => {
  const dataSource = createServiceDataSource({ url: databaseUrl, schema: module.schema, entities: module.entities, migrations: module.migrations, poolSize: 1 });
  try {
    return await initializeAndMigrate(dataSource);
  } catch (error) {
    if (logger) logRefusal(logger, module, error);
    throw error;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
};

/**
 * Hosts one service: its data source (own schema), outbox, relay, inbox consumer and background
 * tasks. The same host runs alone in services mode and beside the others in single-process mode.
 */
export class ServiceHost {
  readonly outbox: Outbox;
  readonly relay: OutboxRelay;
  readonly unitOfWork: UnitOfWork;
  readonly consumer: EventConsumer;
  /** Prunes published outbox rows, old inbox rows and settled dead letters (docs/adr/0032). */
  readonly retention: EventRetention;
  readonly parts: ServiceParts;
  readonly logger: Logger;
  private stopped = false;

  private constructor(
    readonly module: ServiceModule,
    readonly dataSource: DataSource,
    options: ServiceHostOptions,
    config: Record<string, unknown>,
    settings: HostSettings,
  ) {
    this.logger = options.logger.child({ service: module.name });
    this.outbox = new Outbox({ service: module.name, schema: module.schema, clock: options.clock });
    this.relay = new OutboxRelay({
      dataSource,
      schema: module.schema,
      service: module.name,
      transport: options.transport,
      clock: options.clock,
      logger: this.logger.child({ component: 'outbox-relay' }),
      pollIntervalMs: options.relayPollIntervalMs,
      batchSize: settings.relayBatchSize,
    });
    this.unitOfWork = new UnitOfWork(dataSource, this.relay);
    this.parts = withIdempotency(module, module.build({
      dataSource,
      unitOfWork: this.unitOfWork,
      outbox: this.outbox,
      clock: options.clock,
      logger: this.logger,
      tokens: options.tokens,
      env: options.env ?? process.env,
      config,
    }), { dataSource, clock: options.clock, logger: this.logger });
    this.consumer = new EventConsumer({
      group: module.name,
      schema: module.schema,
      transport: options.transport,
      unitOfWork: this.unitOfWork,
      outbox: this.outbox,
      clock: options.clock,
      logger: this.logger.child({ component: 'consumer' }),
      bindings: this.parts.handlers ?? [],
      newerTypes: this.parts.newerEventTypes,
      maxAttempts: options.consumerMaxAttempts,
      retryBaseMs: options.consumerRetryBaseMs,
      notYetMaxWaitMs: options.consumerNotYetMaxWaitMs,
      newerTypeWaitMs: options.consumerNewerTypeWaitMs,
    });
    this.retention = new EventRetention({
      ...settings.retention,
      dataSource,
      schema: module.schema,
      clock: options.clock,
      logger: this.logger.child({ component: 'event-retention' }),
    });
  }

  static async open(module: ServiceModule, options: ServiceHostOptions): Promise<ServiceHost> {
    // The process validated it with its whole schema before anything connected (processConfigSchema);
    // here it is read again, typed, for this module alone, still before connecting.
    const config = loadConfig(module.config ?? NO_SETTINGS, options.env ?? process.env);
    const settings = hostSettingsFrom(options.env ?? process.env);
    const dataSource = createServiceDataSource({
      url: options.databaseUrl,
      schema: module.schema,
      entities: module.entities,
      migrations: module.migrations,
      poolSize: options.poolSize,
      applicationName: module.name,
      preparedStatements: settings.preparedStatements,
      connectTimeoutMs: Math.min(DEFAULT_CONNECT_TIMEOUT_MS, settings.answerTimeoutMs),
    });
    try {
      if (options.migrate) {
        const applied = await initializeAndMigrate(dataSource);
        if (applied.length > 0) options.logger.info({ service: module.name, applied }, 'migrations applied');
      } else {
        await dataSource.initialize();
        await assertSchemaCompatible(dataSource);
        await assertNothingPending(module, dataSource);
      }
    } catch (error) {
      logRefusal(options.logger, module, error);
      if (dataSource.isInitialized) await dataSource.destroy();
      throw error;
    }
    return new ServiceHost(module, dataSource, options, config, settings);
  }

  /**
   * "Can serve requests now": the database. A broker outage is not a readiness failure, since
   * writes go through the outbox; it is the `tss_kafka_broker_reachable` gauge (docs/adr/0020).
   */
  readiness(): ReadinessCheck[] {
    return [{ name: `${this.module.name}:database`, check: () => pingDatabase(this.dataSource) }];
  }

  /** What the service's start checks find wrong with its settings, before anything of it is served or written. */
  async startProblems(): Promise<string[]> {
    const problems: string[] = [];
    for (const check of this.parts.startChecks ?? []) problems.push(...(await check()));
    return problems;
  }

  /** Registers the service's routes in a scope of their own, tagged with the service's name in OpenAPI. */
  async registerRoutes(app: ServiceApp): Promise<void> {
    const routes = this.parts.routes;
    if (!routes) return;
    const service = this.module.name;
    app.apiDocs.describeTag(service, this.module.description);
    await app.register(
      namedPlugin(service, async (scope: ServiceApp) => {
        scope.addHook('onRoute', (route) => {
          route.schema = { ...route.schema, tags: [service] };
        });
        countRoutesAs(scope, service);
        await routes(scope);
      }),
    );
  }

  /** Starts publishing and consuming. */
  async start(): Promise<void> {
    this.stopped = false;
    this.relay.start();
    await this.consumer.start();
    // Stopped while the consumer was joining (the platform does not wait for a start in the
    // broker's retries): the consumer has let go of its late subscription; start nothing more.
    if (this.stopped) return;
    for (const task of this.parts.background ?? []) task.start();
    this.retention.start();
  }

  /**
   * Stops consuming (asked first: no new message is taken, the one in hand finishes), background
   * work meanwhile, then the relay. Background work needs only the database, and it removes what is
   * the instance's own (notification's row in `instances`): done before the waits that need the
   * broker, so a stop during an outage that runs out of SHUTDOWN_TIMEOUT_MS still leaves no row
   * behind (docs/adr/0020, addendum of 2026-12-05).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const consumerStopped = this.consumer.stop();
    // Awaited below; a failure meanwhile must not be an unhandled rejection.
    consumerStopped.catch(() => undefined);
    await this.retention.stop();
    for (const task of this.parts.background ?? []) await task.stop();
    await consumerStopped;
    await this.relay.stop();
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
