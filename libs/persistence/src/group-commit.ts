import { GroupedCalls } from './grouped-calls';

/**
 * Writes that many callers ask for one at a time, done together: `add` queues an item and resolves
 * once a flush that held it has finished (or rejects with that flush's error). One flush runs at a
 * time; whatever arrives meanwhile goes in the next, up to `maxBatch` items each. So under load the
 * items of one round of work share a transaction, and alone an item is flushed at once, without a
 * timer or a wait (docs/adr/0051). A flush that settles its items one by one (a fallback after
 * the shared transaction failed) answers an array with each item's error, or undefined for an item
 * it recorded: only those items' callers are rejected.
 */
export class GroupCommit<T> {
  private readonly calls: GroupedCalls<T, void>;

  constructor(flush: (items: readonly T[]) => Promise<void | readonly unknown[]>, maxBatch = 100) {
    this.calls = new GroupedCalls<T, void>(async (items) => {
      const errors = await flush(items);
      return items.map((_, i) => (errors?.[i] === undefined ? { value: undefined } : { error: errors[i] }));
    }, maxBatch);
  }

  add(item: T): Promise<void> {
    return this.calls.submit(item);
  }
}
