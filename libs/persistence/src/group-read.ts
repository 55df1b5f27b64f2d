import { GroupedCalls } from './grouped-calls';

/**
 * Reads that many callers ask for one key at a time, done together, as `GroupCommit` does writes:
 * `read` queues a key and resolves with what the flush that held it found for it (undefined: not
 * found), or rejects with that flush's error. One flush runs at a time; the keys that arrive
 * meanwhile go in the next, up to `maxBatch` each, each key read once. Alone, a key is read at
 * once, without a timer or a wait; under load the keys of one round of work share a statement.
 */
export class GroupRead<K, V> {
  private readonly calls: GroupedCalls<K, V | undefined>;

  constructor(flush: (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>, maxBatch = 100) {
    this.calls = new GroupedCalls<K, V | undefined>(async (keys) => {
      const found = await flush([...new Set(keys)]);
      return keys.map((key) => ({ value: found.get(key) }));
    }, maxBatch);
  }

  read(key: K): Promise<V | undefined> {
    return this.calls.submit(key);
  }
}
