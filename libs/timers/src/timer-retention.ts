import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Clock } from '@tss/service-kit';
import { pruneFiredTimers } from './store/prune-fired-timers';

export interface TimerRetentionSettings {
  /** Fired timers older than this (by `fired_at`) are deleted. */
  retentionMs: number;
  /** Time between passes, by the injected clock. */
  intervalMs: number;
  /** Rows per DELETE statement. */
  batchSize: number;
}

const DAY_MS = 24 * 60 * 60_000;
export const DEFAULT_TIMER_RETENTION_DAYS = 7;
export const DEFAULT_TIMER_RETENTION_INTERVAL_MINUTES = 60;
export const DEFAULT_TIMER_RETENTION_BATCH_SIZE = 1_000;

export const DEFAULT_TIMER_RETENTION: TimerRetentionSettings = {
  retentionMs: DEFAULT_TIMER_RETENTION_DAYS * DAY_MS,
  intervalMs: DEFAULT_TIMER_RETENTION_INTERVAL_MINUTES * 60_000,
  batchSize: DEFAULT_TIMER_RETENTION_BATCH_SIZE,
};

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
 * `TIMER_RETENTION_DAYS` (7), `TIMER_RETENTION_INTERVAL_MINUTES` (60), `TIMER_RETENTION_BATCH_SIZE`
 * (1,000), as the event retention's settings (docs/adr/0032). Throws with every bad variable
 * listed, so start-up fails before anything connects.
 */
export const timerRetentionSettingsFrom = (env: NodeJS.ProcessEnv): TimerRetentionSettings => {
  const errors: string[] = [];
  const days = positive(env, 'TIMER_RETENTION_DAYS', DEFAULT_TIMER_RETENTION_DAYS, errors);
  const minutes = positive(env, 'TIMER_RETENTION_INTERVAL_MINUTES', DEFAULT_TIMER_RETENTION_INTERVAL_MINUTES, errors);
  const batchSize = positive(env, 'TIMER_RETENTION_BATCH_SIZE', DEFAULT_TIMER_RETENTION_BATCH_SIZE, errors, true);
  if (errors.length > 0) throw new Error(`invalid timer retention settings: ${errors.join('; ')}`);
  return { retentionMs: days * DAY_MS, intervalMs: minutes * 60_000, batchSize };
};

export interface TimerRetentionOptions extends TimerRetentionSettings {
  dataSource: DataSource;
  schema: string;
  clock: Clock;
  logger: Logger;
}

/**
 * Deletes fired timers older than the retention period on a schedule (issue #10, docs/adr/0041),
 * in batches of short statements like the event retention (docs/adr/0032). A timer is deleted as it
 * fires since docs/adr/0059: the rows left to prune are those an earlier version marked fired
 * (during a rolling upgrade, and before it). The schedule is the
 * injected clock's: a pass at start, then one each `intervalMs` of clock time, so under a test
 * clock moving the clock past the next pass runs it (no sleeping test). Every replica may run
 * passes: batches skip each other's rows.
 */
export class TimerRetention {
  private running = false;
  private nextPassAt = 0;
  private timer?: NodeJS.Timeout;
  private pass?: Promise<unknown>;
  private stopFollowingClock?: () => void;
  /** Passes completed (tests). */
  passes = 0;
  /** Rows deleted by this instance (tests, logs). */
  pruned = 0;

  constructor(private readonly options: TimerRetentionOptions) {}

  /** One pass: every fired timer older than the cutoff deleted, batch by batch; returns how many. */
  async pruneOnce(): Promise<number> {
    const cutoff = new Date(this.options.clock.now().getTime() - this.options.retentionMs);
    let deleted = 0;
    for (;;) {
      const batch = await pruneFiredTimers(this.options.dataSource, this.options.schema, cutoff, this.options.batchSize);
      deleted += batch;
      // A short batch is the last; a stopping worker ends its pass between batches.
      if (batch < this.options.batchSize || !this.running) break;
    }
    this.passes += 1;
    this.pruned += deleted;
    if (deleted > 0) this.options.logger.info({ schema: this.options.schema, cutoff, deleted }, 'fired timers pruned');
    return deleted;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopFollowingClock = this.options.clock.onMove?.(() => this.check());
    this.nextPassAt = this.options.clock.now().getTime();
    this.check();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopFollowingClock?.();
    this.stopFollowingClock = undefined;
    clearTimeout(this.timer);
    await this.pass;
  }

  /** Starts a pass if one is due by the clock and none is running; otherwise waits for the next. */
  private check(): void {
    if (!this.running || this.pass) return;
    clearTimeout(this.timer);
    const now = this.options.clock.now().getTime();
    if (now < this.nextPassAt) {
      this.timer = setTimeout(() => this.check(), Math.min(this.nextPassAt - now, 2 ** 31 - 1));
      this.timer.unref();
      return;
    }
    this.nextPassAt = now + this.options.intervalMs;
    this.pass = this.pruneOnce()
      .catch((error: unknown) => this.options.logger.warn({ err: error, schema: this.options.schema }, 'timer retention pass failed; will try again at the next one'))
      .finally(() => {
        this.pass = undefined;
        this.check();
      });
  }
}
