/**
 * Reads that many callers ask for one key at a time, done together, as `GroupCommit` does writes:
 * `read` queues a key and resolves with what the flush that held it found for it (undefined: not
 * found), or rejects with that flush's error. One flush runs at a time; the keys that arrive
 * meanwhile go in the next, up to `maxBatch` each. Alone, a key is read at once, without a timer
 * or a wait; under load the keys of one round of work share a statement.
 */
export class GroupRead<K, V> {
  private pending: { key: K; resolve: (value: V | undefined) => void; reject: (error: unknown) => void }[] = [];
  private reading = false;

  constructor(
    private readonly flush: (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>,
    private readonly maxBatch = 100,
  ) {}

  read(key: K): Promise<V | undefined> {
    return new Promise<V | undefined>((resolve, reject) => {
      this.pending.push({ key, resolve, reject });
      void this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.maxBatch);
        try {
          const found = await this.flush([...new Set(batch.map((p) => p.key))]);
          for (const p of batch) p.resolve(found.get(p.key));
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.reading = false;
    }
  }
}
