import type { Logger } from 'pino';
import type { SendOutcome } from '../domain/mail-delivery';

/**
 * A mail attempt whose outcome the database did not take (it was down, or the connection broke):
 * what to record once it answers (docs/adr/0035, addendum of 2026-12-05, second session).
 */
export interface UnrecordedAttempt {
  mailId: string;
  attempt: number;
  /** False when nothing was handed to the server (its committed row could not be read, or the stop came first). */
  started: boolean;
  outcome: SendOutcome;
  /** When the attempt ended (the server's answer, or the failure before any send): a retry's delay and a sent mail's `sent_at` count from it. */
  endedAt: Date;
}

/** How an unrecorded attempt is named in the log: what the server did with its mail. */
export type UnrecordedOutcome = 'sent' | 'permanent' | 'transient' | 'not_started';

export const unrecordedOutcomeOf = (attempt: UnrecordedAttempt): UnrecordedOutcome => (attempt.started ? attempt.outcome.kind : 'not_started');

export interface UnrecordedAttemptsDeps {
  logger: Logger;
  /**
   * Records as many of `attempts` as the database takes, and answers those it did not (kept for
   * the next try). May throw: then none counts as recorded.
   */
  record(attempts: readonly UnrecordedAttempt[]): Promise<readonly UnrecordedAttempt[]>;
  /** Attempts kept at most; one more is left to its armed retry timer, as before (memory stays bounded). */
  limit: number;
  /** Real milliseconds before the first try to record them again; doubled after each failed try, up to `maxRetryMs`. */
  retryMs: number;
  maxRetryMs: number;
}

/**
 * Attempts whose outcome could not be recorded, kept in memory and recorded once the database
 * answers again, so that an outage of seconds does not leave them counted and under way by this
 * live instance until the retry armed for the attempt's bound (15.5 minutes with a real server)
 * sends them: attempts that never reached the server are released to the usual delay, and mail
 * the server accepted is recorded sent, not sent again. Tried again after `retryMs`, doubling up to
 * `maxRetryMs`, until every one is recorded or the process stops; what is left then is logged.
 */
export class UnrecordedAttempts {
  private kept: UnrecordedAttempt[] = [];
  private timer?: NodeJS.Timeout;
  private recording?: Promise<void>;
  private failedTries = 0;
  private stopped = false;

  constructor(private readonly deps: UnrecordedAttemptsDeps) {}

  get size(): number {
    return this.kept.length;
  }

  /** Keeps `attempt` to record once the database answers; false when it is not kept (stopped, or `limit` reached). */
  keep(attempt: UnrecordedAttempt, error: unknown): boolean {
    if (this.stopped || this.kept.length >= this.deps.limit) return false;
    const firstOfOutage = this.kept.length === 0;
    this.kept.push(attempt);
    // One warning per outage, not one per mail (the tester's log held 1,392 lines for one).
    this.deps.logger[firstOfOutage ? 'warn' : 'debug'](
      { err: error, mailId: attempt.mailId, attempt: attempt.attempt, outcome: unrecordedOutcomeOf(attempt) },
      'mail attempt not recorded: the database did not answer; kept in memory and recorded once it answers',
    );
    this.schedule();
    return true;
  }

  /**
   * Stopping: no more tries after one last one, which may take `graceMs`; every attempt still
   * unrecorded then is logged at error level, with what the server did with its mail. Their rows
   * stay under way by this instance, which the others take back once its row is gone.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.kept.length > 0 || this.recording) {
      let timer: NodeJS.Timeout | undefined;
      const lastTry = (this.recording ?? Promise.resolve()).then(() => (this.kept.length > 0 ? this.tryOnce() : undefined));
      await Promise.race([lastTry, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]).finally(() => clearTimeout(timer));
    }
    if (this.kept.length === 0) return;
    const attempts = this.kept.map((a) => ({ mailId: a.mailId, attempt: a.attempt, outcome: unrecordedOutcomeOf(a) }));
    this.deps.logger.error(
      { attempts, count: attempts.length, mayArriveTwice: attempts.filter((a) => a.outcome === 'sent').length },
      'mail attempts not recorded when the mail sender stopped (the database did not answer): their mails are sent again once another instance takes them back, or after the restart; those the server accepted ("sent") may arrive twice (same Message-ID)',
    );
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

  /** One try at recording every kept attempt; those recorded leave the list (new ones may have joined meanwhile). */
  private async tryOnce(): Promise<void> {
    const batch = this.kept.slice();
    let left: readonly UnrecordedAttempt[];
    let failure: unknown;
    try {
      left = await this.deps.record(batch);
    } catch (error) {
      left = batch;
      failure = error;
    }
    const stillKept = new Set(left);
    const recorded = batch.filter((a) => !stillKept.has(a));
    if (recorded.length > 0) {
      const done = new Set(recorded);
      this.kept = this.kept.filter((a) => !done.has(a));
      this.deps.logger.info(
        { attempts: recorded.length, sent: recorded.filter((a) => unrecordedOutcomeOf(a) === 'sent').length, stillKept: this.kept.length, failedTries: this.failedTries },
        'mail attempts recorded once the database answered again',
      );
      this.failedTries = 0;
    } else {
      this.failedTries += 1;
      this.deps.logger.debug({ err: failure, attempts: batch.length, failedTries: this.failedTries }, 'mail attempts still not recorded: the database does not answer yet');
    }
  }
}
