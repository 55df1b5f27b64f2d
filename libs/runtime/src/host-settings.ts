import { Type } from '@sinclair/typebox';
import { EventRetentionEnv, OutboxRelayEnv, retentionSettingsOf, type RetentionSettings } from '@tss/messaging';
import { envSchema, loadConfig } from '@tss/service-kit';

/**
 * What the runtime reads for every service it hosts, whatever the service: its relay's batch, its
 * event retention and whether its data source prepares the hot statements. Part of every process's one schema (`processConfigSchema`), so a bad value stops
 * the start before anything connects, named with the others (docs/adr/0015).
 */
export const ServiceHostEnv = envSchema({
  ...EventRetentionEnv,
  ...OutboxRelayEnv,
  // Anything but `on` used to mean off, silently (`yes`, `true`, `ON`): a value is one of the two.
  PG_PREPARED_STATEMENTS: Type.Union([Type.Literal('on'), Type.Literal('off')], {
    default: 'off',
    description:
      "`on` runs the services' hot statements as prepared statements, planned once per connection (docs/adr/0058); needs session pooling, or PgBouncer 1.21+ with max_prepared_statements",
  }),
});

export interface HostSettings {
  relayBatchSize: number;
  retention: RetentionSettings;
  preparedStatements: boolean;
}

/** The host's settings from `env`; a ConfigError naming every bad one (a process has checked them at start already). */
export const hostSettingsFrom = (env: NodeJS.ProcessEnv): HostSettings => {
  const config = loadConfig(ServiceHostEnv, env);
  return { relayBatchSize: config.OUTBOX_RELAY_BATCH_SIZE, retention: retentionSettingsOf(config), preparedStatements: config.PG_PREPARED_STATEMENTS === 'on' };
};
