/** What a flush answers for one item: its value, or its own error. */
export type ItemOutcome<R> = { value: R } | { error: unknown };

/**
 * Calls that many callers make one item at a time, done together (docs/adr/0051): `submit` queues
 * an item and settles with the outcome the flush that held it answered for it, or rejects with that
 * flush's error. One flush runs at a time; whatever arrives meanwhile goes in the next, up to
 * `maxBatch` items each. So under load the items of one round of work share a flush, and alone an
 * item is flushed at once, without a timer or a wait. `GroupCommit` and `GroupRead` are this.
 */
export class GroupedCalls<T, R> {
  private pending: { item: T; resolve: (value: R) => void; reject: (error: unknown) => void }[] = [];
  private flushing = false;

  constructor(
    private readonly flush: (items: readonly T[]) => Promise<readonly ItemOutcome<R>[]>,
    private readonly maxBatch = 100,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
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
          const outcomes = await this.flush(batch.map((p) => p.item));
          batch.forEach((p, i) => {
            const outcome = outcomes[i];
            if ('error' in outcome) p.reject(outcome.error);
            else p.resolve(outcome.value);
          });
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
