import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { BaseEnv, ConfigError, envSchema, loadConfig, mergeEnvSchemas, metricsPortFor } from '@tss/service-kit';
import { ServiceHostEnv } from './host-settings';
import type { ServiceModule as Module } from './service-module';

/** Where a service's schema lives; required wherever it is read, but in the single process (embedded PostgreSQL). */
export const DatabaseUrlSetting = Type.String({ pattern: '^postgres(ql)?://', description: 'PostgreSQL connection URL' });

/** How long a starting process waits for PostgreSQL (services mode: a service, and its `migrate`). */
export const DbConnectTimeoutSetting = Type.Integer({
  minimum: 0,
  maximum: 3_600_000,
  default: 300_000,
  description: 'How long a starting service (or its migrate command) waits for PostgreSQL to accept connections before it exits 1',
});

/** What `migrate` reads: a database and a log level, nothing else (no Kafka, no keys). */
export const MigrateEnv = Type.Object({ LOG_LEVEL: BaseEnv.LOG_LEVEL, DATABASE_URL: DatabaseUrlSetting });
export type MigrateEnv = Static<typeof MigrateEnv>;

/**
 * A services-mode `main.js migrate`: also how long it waits for PostgreSQL, as the service does. It
 * runs as the chart's pre-install hook, which may start before the database accepts connections.
 */
export const ServiceMigrateEnv = Type.Object({ ...MigrateEnv.properties, DB_CONNECT_TIMEOUT_MS: DbConnectTimeoutSetting });
export type ServiceMigrateEnv = Static<typeof ServiceMigrateEnv>;

/**
 * The process's one schema: its own settings, the entry point's extras (the gateway's upstream
 * URLs), what the runtime reads for every service it hosts (`ServiceHostEnv`: relay, event
 * retention) and every hosted module's (`ServiceModule.config`), merged (docs/adr/0015).
 */
export const processConfigSchema = <S extends TProperties, E extends TProperties>(
  base: TObject<S>,
  extra: TObject<E>,
  modules: readonly Module[],
  /** Parts validated here but read elsewhere (untyped in the result). */
  ...others: readonly TObject[]
) => mergeEnvSchemas(base, extra, ServiceHostEnv, ...modules.map((m) => m.config ?? NO_SETTINGS), ...others);

const NO_SETTINGS = Type.Object({});

/**
 * Loads and checks every variable of the process at once, before anything connects; on a bad one,
 * stops the process (exit 78, EX_CONFIG) naming every bad variable in one message.
 */
export const loadConfigOrExit = <S extends TObject>(
  schema: S,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  /** Rules a schema cannot say (a variable required only in some set-ups): more problems, same message. */
  check: (env: NodeJS.ProcessEnv) => readonly string[] = () => [],
): Static<S> => {
  const more = check(env);
  try {
    const config = loadConfig(schema, env);
    if (more.length > 0) throw new ConfigError(more);
    return config;
  } catch (error) {
    if (error instanceof ConfigError) {
      const problems = error.problems === more ? more : [...error.problems, ...more];
      process.stderr.write(`${name}: ${new ConfigError(problems).message}\n`);
      process.exit(78);
    }
    throw error;
  }
};

/**
 * Every problem `loadConfigOrExit` would name in `env`, without exiting: the schema's, then
 * `check`'s (a launcher checks the processes it will start with it, before it starts anything).
 */
export const configProblemsOf = <S extends TObject>(schema: S, env: NodeJS.ProcessEnv, check: (env: NodeJS.ProcessEnv) => readonly string[] = () => []): string[] => {
  const more = check(env);
  try {
    loadConfig(schema, env);
    return [...more];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems, ...more];
    throw error;
  }
};

/**
 * What `rules` say about the settings of `schema` in an environment (a rule a schema cannot say,
 * across settings or within one); nothing when those settings fail the schema itself: its message
 * already names them. Give a rule a schema of the settings it reads alone, so another bad setting
 * does not hide what it finds. Pass it (or several, spread) as `check` to `loadConfigOrExit`.
 */
export const problemsOfValid =
  <S extends TObject>(schema: S, rules: (config: Static<S>) => readonly string[]) =>
  (env: NodeJS.ProcessEnv): string[] => {
    try {
      return [...rules(loadConfig(schema, env))];
    } catch (error) {
      if (error instanceof ConfigError) return [];
      throw error;
    }
  };

/** What the hosted modules' own rules say about their settings (`ServiceModule.configProblems`); see `problemsOfValid`. */
export const moduleConfigProblems =
  (modules: readonly Module[]) =>
  (env: NodeJS.ProcessEnv): string[] => [
    // Once each: the modules of one process may share a setting and its rule (the gateway's and
    // notification's TSS_SITE_LINK_KEYS), and one problem said twice reads as two.
    ...new Set(modules.flatMap((module) => (module.config && module.configProblems ? problemsOfValid(module.config, module.configProblems)(env) : []))),
  ];

/** A listener of a process: the setting that gives its port, how it is named in a message, the port. */
export interface Listener {
  setting: string;
  /** The setting as it came to be: `METRICS_PORT=9080`, or `METRICS_PORT (unset: PORT + 1000 = 9080)`. */
  as: string;
  port: number;
}

/**
 * Two listeners of one process on one port (0 aside: each gets a free one): the second one's
 * listen fails with EADDRINUSE once everything else has started. Said at start instead.
 */
export const portClashes = (listeners: readonly Listener[]): string[] =>
  listeners.flatMap((listener, i) => {
    const first = listeners.slice(0, i).find((other) => listener.port !== 0 && other.port === listener.port);
    return first ? [`${listener.as} is ${first.setting} too: each listener needs a port of its own`] : [];
  });

const ListenerPortsEnv = envSchema({ PORT: BaseEnv.PORT, METRICS_PORT: BaseEnv.METRICS_PORT });

/** The HTTP and metrics listeners every serving process opens, from its settings. */
export const baseListeners = (config: { PORT: number; METRICS_PORT?: number }): Listener[] => {
  const metrics = metricsPortFor(config);
  return [
    { setting: 'PORT', as: `PORT=${config.PORT}`, port: config.PORT },
    { setting: 'METRICS_PORT', as: config.METRICS_PORT === undefined ? `METRICS_PORT (unset: PORT + 1000 = ${metrics})` : `METRICS_PORT=${metrics}`, port: metrics },
  ];
};

/** PORT and METRICS_PORT on one port: a rule across the two, for `loadConfigOrExit`'s check. */
export const listenerPortProblems = problemsOfValid(ListenerPortsEnv, (config) => portClashes(baseListeners(config)));
