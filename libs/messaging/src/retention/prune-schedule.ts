import type { Logger } from 'pino';
import { timerDelayMs } from '@tss/service-kit';

export interface PruneScheduleOptions {
  /** Time between passes, of real time. */
  intervalMs: number;
  /** One pass; it may end between batches once `stopping` is true. */
  pass: () => Promise<unknown>;
  logger: Logger;
}

/**
 * When a retention pass runs (docs/adr/0032): one at start, then one every interval of real time,
 * never two at once. A failed pass is logged and the next one tries again. A test clock's jumps
 * start none: a test that runs weeks of simulated time keeps the rows it asserts on unless it
 * runs a pass itself.
 */
export class PruneSchedule {
  private running = false;
  private timer?: NodeJS.Timeout;
  private pass?: Promise<unknown>;

  constructor(private readonly options: PruneScheduleOptions) {}

  /** Stopped while a scheduled pass runs: the pass ends after the batch in hand. */
  get stopping(): boolean {
    return !this.running && this.pass !== undefined;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.runPass();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.pass;
  }

  private runPass(): void {
    if (!this.running || this.pass) return;
    clearTimeout(this.timer);
    this.pass = this.options
      .pass()
      .catch((error: unknown) => this.options.logger.warn({ err: error }, 'event retention pass failed; will try again at the next one'))
      .finally(() => {
        this.pass = undefined;
        if (this.running) this.timer = setTimeout(() => this.runPass(), timerDelayMs(this.options.intervalMs));
      });
  }
}
