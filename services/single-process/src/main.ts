import path from 'node:path';
import {
  exitOnUnknownArgument,
  listenAs,
  loadConfigOrExit,
  migrateService,
  MigrateEnv,
  moduleConfigProblems,
  processConfigSchema,
  runMain,
  type EmbeddedPostgresRestarts,
} from '@tss/runtime';
import {
  createLogger,
  envSchema,
  exitOnSignals,
  metricsPortFor,
  shutdownInOrder,
  startMetricsServer,
  startTracing,
  systemClock,
} from '@tss/service-kit';
import { ensureDatabase, type RunningPostgres } from '@tss/persistence';
import { siteLinkKeyMadeLateWarning } from './data-folder';
import { localBaseUrl, singleProcessConfigProblems, SingleProcessEnv, withDataFolderDefaults, withPublicUrlDefault, withSiteLinkKeys, type SingleProcessEnv as Config } from './single-process.config';
import { checkPortsFree, singleProcessPorts } from './launcher-ports';
import { startPlatformPostgres } from './platform-postgres';
import { ALL_SERVICES, startSingleProcessPlatform } from './single-process-platform';

const banner = (config: Config, metricsPort: number, admin?: { clientId: string; clientSecret: string }): string => {
  const base = localBaseUrl(config);
  const lines = [
    '',
    `TSS is running at ${base}`,
    `  API docs:   ${base}/docs`,
    `  OpenAPI:    ${base}/openapi.json`,
    `  Health:     ${base}/healthz  ${base}/readyz`,
    `  Metrics:    http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${metricsPort}/metrics`,
    `  Data:       ${path.resolve(config.TSS_DATA_DIR)}`,
    '',
  ];
  if (admin) {
    lines.push(
      'A bootstrap admin client was created. Its secret is shown only this once:',
      `  client_id:     ${admin.clientId}`,
      `  client_secret: ${admin.clientSecret}`,
      '',
      'Get an admin token:',
      `  curl -s ${base}/v1/auth/token -d grant_type=client_credentials -d client_id=${admin.clientId} -d client_secret=${admin.clientSecret}`,
      '',
    );
  } else {
    lines.push(
      'Get a token with the bootstrap admin client (TSS_BOOTSTRAP_CLIENT_ID / _SECRET, or the one printed on first start):',
      `  curl -s ${base}/v1/auth/token -d grant_type=client_credentials -d client_id=<id> -d client_secret=<secret>`,
      '',
    );
  }
  lines.push('Then: POST /v1/partners, POST /v1/partners/{id}/clients, and file tickets with the partner client (README, docs/auth.md).', 'Ctrl-C stops everything.', '');
  return lines.join('\n');
};

/**
 * `main.ts`: the platform; `main.ts config-schema`: the JSON Schema of every setting it reads (its
 * own, the runtime's, every service's), then exit; any other argument: its usage, exit 64.
 *
 * `migrate`: every service's migrations into DATABASE_URL, then exit; reads DATABASE_URL and
 * LOG_LEVEL only. The test run builds its template with it. (The in-process transport's log is
 * not a service's: `npm start` creates it on first use.)
 */
const migrate = async (): Promise<void> => {
  const config = loadConfigOrExit(MigrateEnv, 'tss');
  const logger = createLogger('tss', config.LOG_LEVEL);
  for (const module of ALL_SERVICES) logger.info({ service: module.name, applied: await migrateService(module, config.DATABASE_URL, logger) }, 'migrations applied');
};

/** What `npm start` takes: nothing (the platform), or one command. */
const USAGE = 'usage: main.ts [migrate | config-schema]';

const main = async (): Promise<void> => {
  const args = process.argv.slice(2);
  const unknown = args.find((arg, i) => i > 0 || !['migrate', 'config-schema'].includes(arg));
  if (unknown !== undefined) exitOnUnknownArgument('tss', unknown, USAGE);
  if (args[0] === 'migrate') return migrate();
  // Every variable of every hosted service: checked at once before PostgreSQL starts (docs/adr/0015).
  const schema = processConfigSchema(SingleProcessEnv, envSchema({}), ALL_SERVICES);
  if (args[0] === 'config-schema') {
    // What the process checks at start, as a services-mode entry point prints its own; reads no environment.
    process.stdout.write(`${JSON.stringify(schema)}\n`);
    return;
  }
  const given = withDataFolderDefaults(process.env);
  const config = loadConfigOrExit(schema, 'tss', given, (env) => [
    ...moduleConfigProblems(ALL_SERVICES)(env),
    ...singleProcessConfigProblems(env),
  ]);
  // Its listeners, before anything starts or is written: a busy PORT (or a HOST not this machine's)
  // used to be found after PostgreSQL had started, the data folder made (docs/adr/0006, sixth session).
  await checkPortsFree(singleProcessPorts(config));
  // Only now, every setting and port accepted, is anything written: the data folder's link key on its first start.
  const logger = createLogger('tss', config.LOG_LEVEL);
  const env = withPublicUrlDefault(
    withSiteLinkKeys(given, (made) => logger.warn({ file: made.file }, siteLinkKeyMadeLateWarning(made))),
    config,
  );
  const tracing = startTracing({ serviceName: 'tss', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, logger });

  // Until the platform's own handler (exitOnSignals, below): a signal during start-up exits at
  // once, and the exit stops the embedded server, which a terminal's Ctrl-C no longer reaches
  // (its own process group, docs/adr/0006).
  const exitDuringStartUp = () => process.exit(0);
  process.on('SIGINT', exitDuringStartUp);
  process.on('SIGTERM', exitDuringStartUp);

  let embedded: RunningPostgres | undefined;
  let restarts: EmbeddedPostgresRestarts | undefined;
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    logger.info({ dataDir: path.resolve(config.TSS_DATA_DIR), port: config.TSS_PG_PORT }, 'starting embedded PostgreSQL');
    // Ctrl-C reaches only this process, which drains and then stops the server (docs/adr/0006);
    // during the wait for a TSS_PG_PORT another process holds, it exits at once (above).
    ({ server: embedded, restarts } = await startPlatformPostgres({
      dataDir: config.TSS_DATA_DIR,
      port: config.TSS_PG_PORT,
      waitMs: config.TSS_PG_PORT_WAIT_MS,
      logger,
      ownProcessGroup: true,
    }));
    await ensureDatabase(embedded.url(), config.TSS_DATABASE_NAME);
    databaseUrl = embedded.url(config.TSS_DATABASE_NAME);
  }

  const running = await startSingleProcessPlatform({
    databaseUrl,
    clock: systemClock,
    logger,
    env,
    issuer: config.TSS_JWT_ISSUER,
    audience: config.TSS_JWT_AUDIENCE,
    relayPollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
    bootstrap: { clientId: config.TSS_BOOTSTRAP_CLIENT_ID, clientSecret: config.TSS_BOOTSTRAP_CLIENT_SECRET },
    edge: config,
    oidc: config,
  });
  await listenAs('PORT', { host: config.HOST, port: config.PORT }, () => running.platform.app.listen({ host: config.HOST, port: config.PORT }));
  const metricsPort = metricsPortFor(config);
  const metrics = await listenAs('METRICS_PORT', { host: config.HOST, port: metricsPort }, () => startMetricsServer(metricsPort, config.HOST));

  // The platform's handler is added before the start-up one is removed: were SIGINT without a
  // listener for an instant, node would restore its default action, and a Ctrl-C at that instant
  // would kill the process without draining, or be lost. The banner comes last: whoever waits for
  // it (a terminal, a test) may signal at once.
  exitOnSignals(
    () =>
      shutdownInOrder(
        [
          ...running.platform.closers(),
          ...(embedded
            ? [
                {
                  name: 'embedded-postgres',
                  close: async () => {
                    await restarts?.stop();
                    await embedded.stop();
                  },
                },
              ]
            : []),
          { name: 'metrics', close: () => metrics.close() },
          { name: 'tracing', close: () => tracing.shutdown() },
        ],
        logger,
        config.SHUTDOWN_TIMEOUT_MS,
      ),
    logger,
  );
  process.off('SIGINT', exitDuringStartUp);
  process.off('SIGTERM', exitDuringStartUp);
  process.stdout.write(banner(config, metrics.port, running.generatedAdmin));
};

runMain('TSS', main);
