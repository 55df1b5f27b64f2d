import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { KafkaConsumerGroupEnv, kafkaConsumerGroupProblems } from '@tss/messaging';
import { EmbeddedPostgres } from '@tss/persistence';
import { configProblemsOf, DatabaseUrlSetting, problemsOfValid, serviceProcessConfig } from '@tss/runtime';
import { BaseEnv, envSchema, loadConfig } from '@tss/service-kit';
import { keptBootstrapAdmin, keptSiteLinkKeys, newBootstrapAdmin, newSiteLinkKeys } from './data-folder';
import { TssPgPortWaitMs } from './embedded-postgres-port';
import { SERVICES_MODE_PG_PORT } from './local-port-range';
import { SERVICE_PROCESSES, serviceProcessEnv } from './service-processes';
import type { StartServicesOptions } from './start-services';

/**
 * The settings of `npm run start:services` (deploy/local/start-services.ts) itself, checked before
 * it starts anything (docs/adr/0015): a bad one stops it with exit 78 and one message naming each.
 * The services it starts get theirs from its environment, and it checks them with these, by each
 * service's own schema (`serviceSettingsProblems`, below); the consumer group's timeouts, which
 * every service reads unchanged, are declared here too (the same declarations), as its own.
 */
export const StartServicesEnv = envSchema({
  TSS_DATA_DIR: Type.String({ default: '.data/services', description: "PostgreSQL's data, the broker's log, the admin client and the link keys" }),
  TSS_BASE_PORT: Type.Integer({ minimum: 1, maximum: 65_535, default: 8080, description: 'The gateway listens here, service i on TSS_BASE_PORT + i' }),
  TSS_METRICS_BASE_PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: 9464, description: 'Service i exposes /metrics on TSS_METRICS_BASE_PORT + i; 0: each on a free port' }),
  TSS_PG_PORT: Type.Integer({ minimum: 1024, maximum: 65_535, default: SERVICES_MODE_PG_PORT, description: "The embedded PostgreSQL's TCP port (unless DATABASE_URL)" }),
  TSS_PG_PORT_WAIT_MS: TssPgPortWaitMs,
  KAFKA_PORT: Type.Integer({ minimum: 1, maximum: 65_534, default: 9092, description: "The broker's port (its controller listens on the next one), unless KAFKA_BROKERS" }),
  DATABASE_URL: Type.Optional(DatabaseUrlSetting),
  KAFKA_BROKERS: Type.Optional(Type.String({ minLength: 1, description: 'Comma-separated host:port list' })),
  LOG_LEVEL: Type.Union(BaseEnv.LOG_LEVEL.anyOf, { default: 'warn' }),
  ...KafkaConsumerGroupEnv,
});
export type StartServicesEnv = Static<typeof StartServicesEnv>;

/** Ports the launcher and what it starts listen on, by the setting that places them. */
interface PortRange {
  setting: string;
  value: number;
  what: string;
  from: number;
  to: number;
}

const span = (r: PortRange): string => (r.from === r.to ? String(r.from) : `${r.from}–${r.to}`);

/**
 * What the schema cannot say: every port the launcher places within 65535, and no two of them one
 * port (the services' and their metrics' ranges, PostgreSQL's and the broker's when it starts them);
 * the rules across the consumer group's timeouts, as each service checks them.
 */
export const startServicesProblems =
  (serviceCount: number) =>
  (env: NodeJS.ProcessEnv): string[] => [...portProblems(serviceCount)(env), ...kafkaConsumerGroupProblems(env)];

const portProblems =
  (serviceCount: number) =>
  (env: NodeJS.ProcessEnv): string[] =>
    problemsOfValid(StartServicesEnv, (config) => {
      const ranges: PortRange[] = [
        { setting: 'TSS_BASE_PORT', value: config.TSS_BASE_PORT, what: 'services', from: config.TSS_BASE_PORT, to: config.TSS_BASE_PORT + serviceCount - 1 },
        ...(config.TSS_METRICS_BASE_PORT === 0
          ? []
          : [{ setting: 'TSS_METRICS_BASE_PORT', value: config.TSS_METRICS_BASE_PORT, what: "services' metrics", from: config.TSS_METRICS_BASE_PORT, to: config.TSS_METRICS_BASE_PORT + serviceCount - 1 }]),
        ...(config.DATABASE_URL ? [] : [{ setting: 'TSS_PG_PORT', value: config.TSS_PG_PORT, what: 'embedded PostgreSQL', from: config.TSS_PG_PORT, to: config.TSS_PG_PORT }]),
        ...(config.KAFKA_BROKERS ? [] : [{ setting: 'KAFKA_PORT', value: config.KAFKA_PORT, what: 'broker', from: config.KAFKA_PORT, to: config.KAFKA_PORT + 1 }]),
        ...inboundSmtpRange(env),
      ];
      const past = ranges.filter((r) => r.to > 65_535).map((r) => `${r.setting}=${r.value}: the ${r.what} would listen on ${span(r)}, past 65535`);
      const shared = ranges.flatMap((r, i) =>
        ranges
          .slice(0, i)
          .filter((other) => r.from <= other.to && other.from <= r.to)
          .map((other) => `${r.setting}=${r.value}: the ${r.what} (${span(r)}) and ${other.setting}'s ${other.what} (${span(other)}) share ports`),
      );
      return [...past, ...shared];
    })(env);

/**
 * Notification's SMTP listener, when INBOUND_SMTP_PORT places it (its own setting, passed on to it:
 * a bad value is notification's problem, named by `serviceSettingsProblems`). On another of the
 * launcher's ports it would only log that it could not listen.
 */
const inboundSmtpRange = (env: NodeJS.ProcessEnv): PortRange[] => {
  const port = /^\d{1,5}$/.test(env.INBOUND_SMTP_PORT ?? '') ? Number(env.INBOUND_SMTP_PORT) : undefined;
  return port === undefined || port === 0 ? [] : [{ setting: 'INBOUND_SMTP_PORT', value: port, what: "inbound SMTP listener of notification", from: port, to: port }];
};

/**
 * What each service the launcher starts would refuse in the environment it would start it with
 * (`serviceProcessEnv`), by that service's own schema and rules (`serviceProcessConfig`, as the
 * service checks them itself): a setting only one service reads is found before anything starts,
 * not once PostgreSQL, the broker and the migrations have run (docs/adr/0006, addendum of
 * 2026-12-05, sixth session). Reads the data folder's kept admin and link key, writes nothing:
 * what a first start will make is made here in memory only.
 *
 * One line per problem, named once: with the services that read the setting unless all do; a line
 * the launcher's own check gives (the consumer group's timeouts, DATABASE_URL) is left to it. While
 * the launcher's own settings are bad, the services are checked with its defaults in their place,
 * so that its ports (PORT, METRICS_PORT are derived from them) are named once, as its own.
 */
export const serviceSettingsProblems = (env: NodeJS.ProcessEnv): string[] => {
  const launcherProblems = configProblemsOf(StartServicesEnv, env, startServicesProblems(SERVICE_PROCESSES.length));
  const launcher = loadConfig(StartServicesEnv, launcherProblems.length === 0 ? env : {});
  const dataDir = path.resolve(launcher.TSS_DATA_DIR);
  const plan = {
    env,
    dataDir,
    basePort: launcher.TSS_BASE_PORT,
    metricsBasePort: launcher.TSS_METRICS_BASE_PORT,
    // What startServices gives them: the embedded PostgreSQL's URL, the broker's address.
    databaseUrl: launcher.DATABASE_URL ?? new EmbeddedPostgres({ dataDir, port: launcher.TSS_PG_PORT }).url('tss'),
    kafkaBrokers: launcher.KAFKA_BROKERS ?? `127.0.0.1:${launcher.KAFKA_PORT}`,
    logLevel: launcher.LOG_LEVEL,
    admin: keptBootstrapAdmin(dataDir) ?? newBootstrapAdmin(),
    siteLinkKeys: keptSiteLinkKeys(dataDir) ?? newSiteLinkKeys(),
  };
  const own = new Set(launcherProblems);
  const readers = new Map<string, string[]>();
  SERVICE_PROCESSES.forEach((service, i) => {
    const { schema, problems } = serviceProcessConfig(service.module, service.checks);
    for (const problem of configProblemsOf(schema, serviceProcessEnv(i, plan), problems)) {
      if (!own.has(problem)) readers.set(problem, [...(readers.get(problem) ?? []), service.name]);
    }
  });
  return [...readers].map(([problem, names]) => (names.length === SERVICE_PROCESSES.length ? problem : `${problem} (read by ${names.join(', ')})`));
};

/** The launcher's options from its checked settings. */
export const startServicesOptionsOf = (
  config: StartServicesEnv,
): Pick<StartServicesOptions, 'dataDir' | 'basePort' | 'metricsBasePort' | 'pgPort' | 'pgPortWaitMs' | 'kafkaPort' | 'databaseUrl' | 'kafkaBrokers' | 'logLevel'> => ({
  dataDir: path.resolve(config.TSS_DATA_DIR),
  basePort: config.TSS_BASE_PORT,
  metricsBasePort: config.TSS_METRICS_BASE_PORT,
  pgPort: config.TSS_PG_PORT,
  pgPortWaitMs: config.TSS_PG_PORT_WAIT_MS,
  kafkaPort: config.KAFKA_PORT,
  databaseUrl: config.DATABASE_URL,
  kafkaBrokers: config.KAFKA_BROKERS,
  logLevel: config.LOG_LEVEL,
});
