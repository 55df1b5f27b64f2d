import type { EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import type { Outbox } from '../outbox/outbox';

export interface FlushContext {
  tx: EntityManager;
  outbox: Outbox;
  /** When the batch runs, from the injected clock (the `now` its handlers got). */
  now: Date;
  logger: Logger;
}

/** Writes what handlers deferred during one transaction, e.g. as one multi-row statement. */
export type BatchFlush<T> = (items: readonly T[], ctx: FlushContext) => Promise<void>;

/**
 * Writes a handler defers to the end of its transaction (docs/adr/0049): the consumer calls each
 * `flush` once with every item deferred to it, after the transaction's last handler and before
 * commit. A transaction is a batch of events (`consumeBatch`) or one event (`consume`, an
 * operator's replay), so the effect is the same as writing each item in its handler, committed
 * with the inbox rows or rolled back with them.
 *
 * A deferred row is not there while the batch's other handlers run: a handler that reads or changes
 * what a flush writes calls `writeNow` with that flush first (a read-through), which writes the
 * items deferred so far, at once. A flush that throws rolls the whole batch back; the
 * consumer then handles its events one at a time, each event's flush right after it, so a
 * failure lands on the event that caused it (retried, dead-lettered, its key parked) as a
 * handler's failure would.
 */
export interface BatchWrites {
  /** Adds `item` for `flush` (identified by the function itself: share one per kind of write). */
  defer<T>(flush: BatchFlush<T>, item: T): void;
  /**
   * Writes what is deferred to `flush` so far, now (nothing when nothing is): for a handler about
   * to read or change those rows. Later items deferred to it wait for the end as before.
   */
  writeNow<T>(flush: BatchFlush<T>): Promise<void>;
}

/** One transaction's deferred writes; `flushAll` runs them in the order each flush was first deferred to. */
export class TransactionWrites implements BatchWrites {
  private readonly pending = new Map<BatchFlush<never>, unknown[]>();

  constructor(private readonly ctx: FlushContext) {}

  defer<T>(flush: BatchFlush<T>, item: T): void {
    const items = this.pending.get(flush as BatchFlush<never>);
    if (items) items.push(item);
    else this.pending.set(flush as BatchFlush<never>, [item]);
  }

  async writeNow<T>(flush: BatchFlush<T>): Promise<void> {
    const items = this.pending.get(flush as BatchFlush<never>) as T[] | undefined;
    if (!items) return;
    this.pending.delete(flush as BatchFlush<never>);
    await flush(items, this.ctx);
  }

  get isEmpty(): boolean {
    return this.pending.size === 0;
  }

  /** Runs every flush with its items; a flush may defer more (to another flush), which runs after it. */
  async flushAll(): Promise<void> {
    while (this.pending.size > 0) {
      const [flush, items] = this.pending.entries().next().value as [BatchFlush<unknown>, unknown[]];
      this.pending.delete(flush as BatchFlush<never>);
      await flush(items, this.ctx);
    }
  }
}
