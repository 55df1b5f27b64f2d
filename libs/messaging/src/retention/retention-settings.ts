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

const positive = (env: NodeJS.ProcessEnv, name: string, fallback: number, errors: string[], integer = false): number => {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    errors.push(`${name} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(raw)}`);
    return fallback;
  }
  return value;
};

/**
 * `EVENT_RETENTION_DAYS` (7), `EVENT_RETENTION_INTERVAL_MINUTES` (60), `EVENT_RETENTION_BATCH_SIZE`
 * (1,000). Throws with every bad variable listed, so start-up fails before anything connects.
 */
export const retentionSettingsFrom = (env: NodeJS.ProcessEnv): RetentionSettings => {
  const errors: string[] = [];
  const days = positive(env, 'EVENT_RETENTION_DAYS', DEFAULT_EVENT_RETENTION_DAYS, errors);
  const minutes = positive(env, 'EVENT_RETENTION_INTERVAL_MINUTES', DEFAULT_EVENT_RETENTION_INTERVAL_MINUTES, errors);
  const batchSize = positive(env, 'EVENT_RETENTION_BATCH_SIZE', DEFAULT_EVENT_RETENTION_BATCH_SIZE, errors, true);
  if (errors.length > 0) throw new Error(`invalid event retention settings: ${errors.join('; ')}`);
  return { retentionMs: days * DAY_MS, intervalMs: minutes * 60_000, batchSize };
};
