import { Type } from '@sinclair/typebox';
import { EventRetentionEnv, OutboxRelayEnv, retentionSettingsOf, type RetentionSettings } from '@tss/messaging';
import { envSchema, loadConfig } from '@tss/service-kit';

/**
 * What the runtime reads for every service it hosts, whatever the service: its relay's batch, its
 * event retention, whether its data source prepares the hot statements and how long a request's
 * statement waits for an answer. Part of every process's one schema (`processConfigSchema`), so a bad value stops
 * the start before anything connects, named with the others (docs/adr/0015).
 */
/** DB_ANSWER_TIMEOUT_MS unset: long above any statement a request runs, short of a client's patience. */
export const DEFAULT_DB_ANSWER_TIMEOUT_MS = 15_000;

export const ServiceHostEnv = envSchema({
  ...EventRetentionEnv,
  ...OutboxRelayEnv,
  // A frozen or unreachable server answers nothing: a request's statement would wait for ever (docs/adr/0073).
  DB_ANSWER_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 600_000,
    default: DEFAULT_DB_ANSWER_TIMEOUT_MS,
    description:
      "How long a statement sent for an API request waits for PostgreSQL's answer; then its connection is closed and the request answered 503 with Retry-After. Relays, consumers, timers and migrations are not bound by it",
  }),
  // Anything but `on` used to mean off, silently (`yes`, `true`, `ON`): a value is one of the two.
  PG_PREPARED_STATEMENTS: Type.Union([Type.Literal('on'), Type.Literal('off')], {
    default: 'on',
    description:
      "`on` runs the services' hot statements as prepared statements, planned once per connection (docs/adr/0058). A pooler must keep them: session pooling, or PgBouncer 1.21+ with max_prepared_statements; `off` otherwise",
  }),
});

export interface HostSettings {
  relayBatchSize: number;
  retention: RetentionSettings;
  preparedStatements: boolean;
  /** DB_ANSWER_TIMEOUT_MS: a request's statement waits this long for PostgreSQL at most. */
  answerTimeoutMs: number;
}

/** The host's settings from `env`; a ConfigError naming every bad one (a process has checked them at start already). */
export const hostSettingsFrom = (env: NodeJS.ProcessEnv): HostSettings => {
  const config = loadConfig(ServiceHostEnv, env);
  return { relayBatchSize: config.OUTBOX_RELAY_BATCH_SIZE, retention: retentionSettingsOf(config), preparedStatements: config.PG_PREPARED_STATEMENTS === 'on',
    answerTimeoutMs: config.DB_ANSWER_TIMEOUT_MS,
  };
};
