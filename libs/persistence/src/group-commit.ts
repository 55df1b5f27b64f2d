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
  private pending: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing = false;

  constructor(
    private readonly flush: (items: readonly T[]) => Promise<void | readonly unknown[]>,
    private readonly maxBatch = 100,
  ) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      void this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.maxBatch);
        try {
          const errors = await this.flush(batch.map((p) => p.item));
          batch.forEach((p, i) => (errors?.[i] === undefined ? p.resolve() : p.reject(errors[i])));
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
