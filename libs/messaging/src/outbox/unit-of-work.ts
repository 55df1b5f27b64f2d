import type { DataSource, EntityManager } from 'typeorm';
import { backendPidOf } from '@tss/persistence';
import { outboxWrittenIn } from './outbox';
import type { OutboxRelay } from './outbox-relay';

/** PostgreSQL's answers that mean "run the transaction again": a deadlock, a serialization failure. */
const RETRYABLE_CODES = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

/** True when the error (or the driver error inside it) is a deadlock or a serialization failure. */
export const isRetryableTransactionFailure = (error: unknown): boolean => {
  const code = (error as { code?: unknown; driverError?: { code?: unknown } } | undefined)?.driverError?.code ?? (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && RETRYABLE_CODES.has(code);
};

/** What a finished attempt tells the unit of work: the work's value, whether its commit carries events for the relay, and on which backend. */
interface Attempted<T> {
  value: T;
  wroteEvents: boolean;
  /** Unknown only if nothing was sent. */
  backendPid?: number;
}

/**
 * A service's state changes go through here: one transaction for the change and its outbox rows,
 * then, if it wrote any, a kick to the relay so the events leave at once instead of at the next
 * poll (or a NOTIFY's round trip). The kick names the commit's backend, so that the relay knows
 * the commit's NOTIFY for an echo (docs/adr/0090).
 *
 * A transaction PostgreSQL aborts as a deadlock victim or a serialization failure is run again
 * (up to 3 attempts, after a short random pause): the work must touch nothing but `tx`, which is
 * how every use case is written. Other failures are not retried.
 */
export class UnitOfWork {
  constructor(
    private readonly dataSource: DataSource,
    private readonly relay?: Pick<OutboxRelay, 'kick'>,
  ) {}

  async run<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    // READ COMMITTED, PostgreSQL's default, which the services' data sources keep. Naming it, as
    // `inTransaction` does, costs TypeORM a second statement (SET TRANSACTION ...) per
    // transaction: one round trip more for every ticket filed and every batch consumed (issue #8).
    return this.attempts(() => this.dataSource.transaction((tx) => this.written(tx, work)));
  }

  /**
   * Work whose one write is a single statement, on one connection without `BEGIN` and `COMMIT`:
   * PostgreSQL runs a statement sent alone as its own transaction, so it is written whole or not
   * at all, and the two round trips around it are saved (issue #15: a partner's filing).
   *
   * Only for work in which each statement stands alone: nothing it sends depends on an earlier
   * statement being undone with it, and it locks nothing it needs held for the next. A work that
   * tries again after a statement that wrote nothing (a reference number taken) is such work.
   */
  async runAutocommit<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.attempts(async () => {
      const runner = this.dataSource.createQueryRunner();
      try {
        return await this.written(runner.manager, work);
      } finally {
        await runner.release();
      }
    });
  }

  /** Runs the work; tells the unit of work whether its commit will carry events for the relay, and from which backend. */
  private async written<T>(tx: EntityManager, work: (tx: EntityManager) => Promise<T>): Promise<Attempted<T>> {
    const value = await work(tx);
    return { value, wroteEvents: outboxWrittenIn(tx), backendPid: backendPidOf(tx) };
  }

  private async attempts<T>(once: () => Promise<Attempted<T>>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const startedAt = performance.now();
        const { value, wroteEvents, backendPid } = await once();
        if (wroteEvents) this.relay?.kick(backendPid === undefined ? undefined : { backendPid, startedAt });
        return value;
      } catch (error) {
        if (attempt >= ATTEMPTS || !isRetryableTransactionFailure(error)) throw error;
        // Apart, so the two transactions that deadlocked do not meet again at once.
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
      }
    }
  }
}
