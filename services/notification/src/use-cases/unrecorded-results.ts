import type { Logger } from 'pino';

/** What the log says of kept results: its lines, and each result's fields. */
export interface UnrecordedResultsLog<T> {
  /** The key naming the results in every line: `attempts` (mail), `deliveries` (webhooks). */
  key: string;
  /** One result: its fields in the warning that starts an outage and in the stop's list. */
  fieldsOf(result: T): Record<string, unknown>;
  /** The first result of an outage (warn), the others (debug). */
  kept: string;
  /** A try that recorded some (info); `recordedFieldsOf` adds to its counts. */
  recorded: string;
  recordedFieldsOf?(recorded: readonly T[]): Record<string, unknown>;
  /** A try that recorded none (debug). */
  stillNotRecorded: string;
  /** What the stop found still unrecorded (error); `lostFieldsOf` adds to its list and count. */
  lostAtStop: string;
  lostFieldsOf?(lost: readonly T[]): Record<string, unknown>;
}

export interface UnrecordedResultsDeps<T> {
  logger: Logger;
  log: UnrecordedResultsLog<T>;
  /**
   * Records as many of `results` as the database takes, and answers those it did not (kept for
   * the next try). May throw: then none counts as recorded.
   */
  record(results: readonly T[]): Promise<readonly T[]>;
  /** Results kept at most; one more is not kept (the caller falls back to what it did before: memory stays bounded). */
  limit: number;
  /** Real milliseconds before the first try to record them again; doubled after each failed try, up to `maxRetryMs`. */
  retryMs: number;
  maxRetryMs: number;
}

/**
 * Results of work already done (a mail handed to its server, a webhook its receiver answered) whose
 * record the database did not take, kept in memory and recorded once it answers again, so that an
 * outage of seconds, or a pool out of connections for a moment, neither loses them nor leaves them
 * to a timer that would do the work again. Tried again after `retryMs`, doubling up to `maxRetryMs`,
 * until every one is recorded or the process stops; what is left then is logged at error level.
 * Knows nothing of what a result is: `record` and `log` say (docs/adr/0035, addendum of
 * 2026-12-05, second session; docs/adr/0043, addendum of 2026-12-05, fourth session).
 */
export class UnrecordedResults<T> {
  private kept: T[] = [];
  private timer?: NodeJS.Timeout;
  private recording?: Promise<void>;
  private failedTries = 0;
  private stopped = false;

  constructor(private readonly deps: UnrecordedResultsDeps<T>) {}

  get size(): number {
    return this.kept.length;
  }

  /** Keeps `result` to record once the database answers; false when it is not kept (stopped, or `limit` reached). */
  keep(result: T, error: unknown): boolean {
    if (this.stopped || this.kept.length >= this.deps.limit) return false;
    const firstOfOutage = this.kept.length === 0;
    this.kept.push(result);
    // One warning per outage, not one per result (the tester's log held 1,392 lines for one).
    this.deps.logger[firstOfOutage ? 'warn' : 'debug']({ err: error, ...this.deps.log.fieldsOf(result) }, this.deps.log.kept);
    this.schedule();
    return true;
  }

  /**
   * Stopping: no more tries after one last one, which may take `graceMs`; every result still
   * unrecorded then is logged at error level, and answered (no longer kept).
   */
  async stop(graceMs: number): Promise<readonly T[]> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.kept.length > 0 || this.recording) {
      let timer: NodeJS.Timeout | undefined;
      const lastTry = (this.recording ?? Promise.resolve()).then(() => (this.kept.length > 0 ? this.tryOnce() : undefined));
      await Promise.race([lastTry, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]).finally(() => clearTimeout(timer));
    }
    const lost = this.kept;
    this.kept = [];
    if (lost.length === 0) return lost;
    const { log } = this.deps;
    this.deps.logger.error({ [log.key]: lost.map((r) => log.fieldsOf(r)), count: lost.length, ...log.lostFieldsOf?.(lost) }, log.lostAtStop);
    return lost;
  }

  private schedule(): void {
    if (this.stopped || this.timer || this.recording || this.kept.length === 0) return;
    const delayMs = Math.min(this.deps.retryMs * 2 ** this.failedTries, this.deps.maxRetryMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.recording = this.tryOnce().finally(() => {
        this.recording = undefined;
        this.schedule();
      });
    }, delayMs);
    this.timer.unref();
  }

  /** One try at recording every kept result; those recorded leave the list (new ones may have joined meanwhile). */
  private async tryOnce(): Promise<void> {
    const batch = this.kept.slice();
    let left: readonly T[];
    let failure: unknown;
    try {
      left = await this.deps.record(batch);
    } catch (error) {
      left = batch;
      failure = error;
    }
    const stillKept = new Set(left);
    const recorded = batch.filter((r) => !stillKept.has(r));
    const { log } = this.deps;
    if (recorded.length > 0) {
      const done = new Set(recorded);
      this.kept = this.kept.filter((r) => !done.has(r));
      this.deps.logger.info({ [log.key]: recorded.length, ...log.recordedFieldsOf?.(recorded), stillKept: this.kept.length, failedTries: this.failedTries }, log.recorded);
      this.failedTries = 0;
    } else {
      this.failedTries += 1;
      this.deps.logger.debug({ err: failure, [log.key]: batch.length, failedTries: this.failedTries }, log.stillNotRecorded);
    }
  }
}
