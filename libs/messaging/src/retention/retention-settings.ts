import { Type, type Static } from '@sinclair/typebox';
import { envSchema, loadConfig } from '@tss/service-kit';

export interface RetentionSettings {
  /** Rows older than this (published, handled, settled) are deleted. */
  retentionMs: number;
  /** Time between passes. */
  intervalMs: number;
  /** Rows per DELETE statement. */
  batchSize: number;
}

const DAY_MS = 24 * 60 * 60_000;
export const DEFAULT_EVENT_RETENTION_DAYS = 7;
export const DEFAULT_EVENT_RETENTION_INTERVAL_MINUTES = 60;
export const DEFAULT_EVENT_RETENTION_BATCH_SIZE = 1_000;

/**
 * The event retention's settings (docs/adr/0032): read by the runtime for every hosted service (its
 * outbox, inbox and dead letters) and by the single process for its event log. Declared here once,
 * in the process's one schema (docs/adr/0015), so a bad one stops the start with the others.
 */
export const EventRetentionEnv = {
  EVENT_RETENTION_DAYS: Type.Number({
    exclusiveMinimum: 0,
    maximum: 3_650,
    default: DEFAULT_EVENT_RETENTION_DAYS,
    description: 'Published outbox rows, handled inbox rows, settled dead letters (and, in one process, read event-log entries) are kept this many days; fractions allowed',
  }),
  EVENT_RETENTION_INTERVAL_MINUTES: Type.Number({
    exclusiveMinimum: 0,
    // A week: Node's timers take at most 2^31-1 ms (24.8 days), and a longer delay fires after 1 ms.
    maximum: 10_080,
    default: DEFAULT_EVENT_RETENTION_INTERVAL_MINUTES,
    description: 'Minutes between two retention passes',
  }),
  EVENT_RETENTION_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 100_000, default: DEFAULT_EVENT_RETENTION_BATCH_SIZE, description: 'Rows per DELETE statement of a retention pass' }),
};
const EventRetentionSchema = envSchema(EventRetentionEnv);
export type EventRetentionConfig = Static<typeof EventRetentionSchema>;

/** The settings in the units the retention works in. */
export const retentionSettingsOf = (config: EventRetentionConfig): RetentionSettings => ({
  retentionMs: config.EVENT_RETENTION_DAYS * DAY_MS,
  intervalMs: config.EVENT_RETENTION_INTERVAL_MINUTES * 60_000,
  batchSize: config.EVENT_RETENTION_BATCH_SIZE,
});

/**
 * `EVENT_RETENTION_DAYS` (7), `EVENT_RETENTION_INTERVAL_MINUTES` (60), `EVENT_RETENTION_BATCH_SIZE`
 * (1,000) from `env`; a ConfigError naming every bad variable. A process has checked them already,
 * with all its settings, before it connected.
 */
export const retentionSettingsFrom = (env: NodeJS.ProcessEnv): RetentionSettings => retentionSettingsOf(loadConfig(EventRetentionSchema, env));
