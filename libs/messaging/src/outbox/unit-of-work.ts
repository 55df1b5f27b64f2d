import type { DataSource, EntityManager } from 'typeorm';
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

/**
 * A service's state changes go through here: one transaction for the change and its outbox rows,
 * then, if it wrote any, a kick to the relay so the events leave at once instead of at the next
 * poll (or a NOTIFY's round trip).
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
    for (let attempt = 1; ; attempt += 1) {
      try {
        // READ COMMITTED, PostgreSQL's default, which the services' data sources keep. Naming it, as
        // `inTransaction` does, costs TypeORM a second statement (SET TRANSACTION ...) per
        // transaction: one round trip more for every ticket filed and every batch consumed (issue #8).
        let wroteEvents = false;
        const result = await this.dataSource.transaction(async (tx) => {
          const value = await work(tx);
          wroteEvents = outboxWrittenIn(tx);
          return value;
        });
        if (wroteEvents) this.relay?.kick();
        return result;
      } catch (error) {
        if (attempt >= ATTEMPTS || !isRetryableTransactionFailure(error)) throw error;
        // Apart, so the two transactions that deadlocked do not meet again at once.
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
      }
    }
  }
}
