import { EventRetentionEnv, OutboxRelayEnv, retentionSettingsOf, type RetentionSettings } from '@tss/messaging';
import { envSchema, loadConfig } from '@tss/service-kit';

/**
 * What the runtime reads for every service it hosts, whatever the service: its relay's batch and its
 * event retention. Part of every process's one schema (`processConfigSchema`), so a bad value stops
 * the start before anything connects, named with the others (docs/adr/0015).
 */
export const ServiceHostEnv = envSchema({
  ...EventRetentionEnv,
  ...OutboxRelayEnv,
});

export interface HostSettings {
  relayBatchSize: number;
  retention: RetentionSettings;
}

/** The host's settings from `env`; a ConfigError naming every bad one (a process has checked them at start already). */
export const hostSettingsFrom = (env: NodeJS.ProcessEnv): HostSettings => {
  const config = loadConfig(ServiceHostEnv, env);
  return { relayBatchSize: config.OUTBOX_RELAY_BATCH_SIZE, retention: retentionSettingsOf(config) };
};
