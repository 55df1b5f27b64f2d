import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { Type, type Static } from '@sinclair/typebox';
import { envSchema, loadConfig, timerDelayMs, type Clock } from '@tss/service-kit';
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

/**
 * The timer retention's settings, as the event retention's (docs/adr/0032): declared by every
 * module that runs a timer worker (composeService, sla-timer), so they are in the process's one
 * schema and checked at start with the others (docs/adr/0015).
 */
export const TimerRetentionEnv = {
  TIMER_RETENTION_DAYS: Type.Number({
    exclusiveMinimum: 0,
    maximum: 3_650,
    default: DEFAULT_TIMER_RETENTION_DAYS,
    description: 'Timers an earlier version marked fired are kept this many days (docs/adr/0059); fractions allowed',
  }),
  TIMER_RETENTION_INTERVAL_MINUTES: Type.Number({
    exclusiveMinimum: 0,
    // A week: Node's timers take at most 2^31-1 ms (24.8 days), and a longer delay fires after 1 ms.
    maximum: 10_080,
    default: DEFAULT_TIMER_RETENTION_INTERVAL_MINUTES,
    description: 'Minutes between two timer retention passes',
  }),
  TIMER_RETENTION_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 100_000, default: DEFAULT_TIMER_RETENTION_BATCH_SIZE, description: 'Rows per DELETE statement of a timer retention pass' }),
};
const TimerRetentionSchema = envSchema(TimerRetentionEnv);
export type TimerRetentionConfig = Static<typeof TimerRetentionSchema>;

/** The settings in the units the retention works in. */
export const timerRetentionSettingsOf = (config: TimerRetentionConfig): TimerRetentionSettings => ({
  retentionMs: config.TIMER_RETENTION_DAYS * DAY_MS,
  intervalMs: config.TIMER_RETENTION_INTERVAL_MINUTES * 60_000,
  batchSize: config.TIMER_RETENTION_BATCH_SIZE,
});

/**
 * `TIMER_RETENTION_DAYS` (7), `TIMER_RETENTION_INTERVAL_MINUTES` (60), `TIMER_RETENTION_BATCH_SIZE`
 * (1,000) from `env`; a ConfigError naming every bad variable.
 */
export const timerRetentionSettingsFrom = (env: NodeJS.ProcessEnv): TimerRetentionSettings => timerRetentionSettingsOf(loadConfig(TimerRetentionSchema, env));

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
      this.timer = setTimeout(() => this.check(), timerDelayMs(this.nextPassAt - now));
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
