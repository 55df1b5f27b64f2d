import type { Logger } from 'pino';
import type { Clock } from '@tss/service-kit';
import type { IdempotencyStore } from './idempotency.store';

/** How often a replica deletes expired keys; the first run comes a minute after start. */
export const IDEMPOTENCY_PRUNE_INTERVAL_MS = 10 * 60_000;
const FIRST_PRUNE_DELAY_MS = 60_000;

/**
 * Deletes keys past their 24 h (idempotency.store.ts `prune`, batches under SKIP LOCKED, so every
 * replica may run one). Expired keys are already ignored by claims; this keeps the table small.
 * A real-time interval: tests call `pruneOnce` with a test clock instead of waiting for it.
 */
export class IdempotencyPruner {
  readonly name: string;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;

  constructor(
    private readonly options: { service: string; store: IdempotencyStore; clock: Clock; logger: Logger; intervalMs?: number },
  ) {
    this.name = `${options.service} idempotency key prune`;
  }

  /** Deletes what has expired by the clock's now; returns how many keys went. */
  async pruneOnce(): Promise<number> {
    const deleted = await this.options.store.prune(this.options.clock.now());
    if (deleted > 0) this.options.logger.info({ deleted }, 'expired idempotency keys pruned');
    return deleted;
  }

  start(): void {
    this.stopped = false;
    this.schedule(FIRST_PRUNE_DELAY_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pruneOnce()
        .then(() => undefined)
        .catch((error: unknown) => this.options.logger.warn({ err: error }, 'idempotency key prune failed; retrying at the next interval'))
        .finally(() => this.schedule(this.options.intervalMs ?? IDEMPOTENCY_PRUNE_INTERVAL_MS));
    }, delayMs);
    this.timer.unref();
  }
}
