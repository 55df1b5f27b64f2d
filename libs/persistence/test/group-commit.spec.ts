import { GroupCommit } from '../src/group-commit';

/** A flush the test releases by hand, recording each batch it was given. */
const manualFlush = () => {
  const batches: number[][] = [];
  const releases: ((error?: Error) => void)[] = [];
  const flush = (items: readonly number[]) =>
    new Promise<void>((resolve, reject) => {
      batches.push([...items]);
      releases.push((error) => (error ? reject(error) : resolve()));
    });
  const release = async (error?: Error) => {
    releases.shift()!(error);
    await new Promise((r) => setImmediate(r));
  };
  return { batches, flush, release };
};

describe('GroupCommit', () => {
  it('flushes an item alone at once, and what arrives during a flush together in the next', async () => {
    const { batches, flush, release } = manualFlush();
    const group = new GroupCommit(flush);
    const first = group.add(1);
    expect(batches).toEqual([[1]]);
    const later = [group.add(2), group.add(3), group.add(4)];
    expect(batches).toEqual([[1]]);
    await release();
    await first;
    expect(batches).toEqual([[1], [2, 3, 4]]);
    await release();
    await Promise.all(later);
  });

  it('an item resolves only once its own flush has finished', async () => {
    const { flush, release } = manualFlush();
    const group = new GroupCommit(flush);
    let done = false;
    void group.add(1).then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    await release();
    expect(done).toBe(true);
  });

  it("a failed flush rejects its own items only; the next batch still goes", async () => {
    const { batches, flush, release } = manualFlush();
    const group = new GroupCommit(flush);
    const first = group.add(1);
    const second = group.add(2);
    await release(new Error('database restarting'));
    await expect(first).rejects.toThrow('database restarting');
    await release();
    await expect(second).resolves.toBeUndefined();
    expect(batches).toEqual([[1], [2]]);
  });

  it('keeps each flush to maxBatch items', async () => {
    const { batches, flush, release } = manualFlush();
    const group = new GroupCommit(flush, 2);
    const all = [1, 2, 3, 4, 5].map((n) => group.add(n));
    for (let i = 0; i < 3; i += 1) await release();
    await Promise.all(all);
    expect(batches).toEqual([[1], [2, 3], [4, 5]]);
  });

  it('a flush that settles its items one by one rejects only the items it names', async () => {
    const refused = new Error('row refused');
    const group = new GroupCommit<number>(async (items) => items.map((n) => (n === 2 ? refused : undefined)));
    const outcomes = await Promise.allSettled([group.add(1), group.add(2), group.add(3)]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBe(refused);
  });
});
