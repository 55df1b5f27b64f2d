import { GroupRead } from '../src/group-read';

/** A read the test answers by hand, recording each batch of keys it was given. */
const manualRead = () => {
  const batches: string[][] = [];
  const answers: ((result: Map<string, number> | Error) => void)[] = [];
  const flush = (keys: readonly string[]) =>
    new Promise<Map<string, number>>((resolve, reject) => {
      batches.push([...keys]);
      answers.push((result) => (result instanceof Error ? reject(result) : resolve(result)));
    });
  const answer = async (result: Map<string, number> | Error) => {
    answers.shift()!(result);
    await new Promise((r) => setImmediate(r));
  };
  return { batches, flush, answer };
};

describe('GroupRead', () => {
  it('reads a key alone at once, and the keys that arrive meanwhile together in the next read, each getting its own value', async () => {
    const { batches, flush, answer } = manualRead();
    const reads = new GroupRead(flush);
    const first = reads.read('a');
    expect(batches).toEqual([['a']]);
    const later = [reads.read('b'), reads.read('c'), reads.read('b'), reads.read('x')];
    expect(batches).toEqual([['a']]);
    await answer(new Map([['a', 1]]));
    expect(await first).toBe(1);
    // One read for the rest, each key once; a key not found reads undefined.
    expect(batches).toEqual([['a'], ['b', 'c', 'x']]);
    await answer(new Map([['b', 2], ['c', 3]]));
    expect(await Promise.all(later)).toEqual([2, 3, 2, undefined]);
  });

  it('a failed read rejects the keys it held, and the next read goes on', async () => {
    const { batches, flush, answer } = manualRead();
    const reads = new GroupRead(flush);
    const first = reads.read('a');
    const held = [reads.read('b'), reads.read('c')];
    await answer(new Map([['a', 1]]));
    await answer(new Error('connection lost'));
    await expect(held[0]).rejects.toThrow('connection lost');
    await expect(held[1]).rejects.toThrow('connection lost');
    expect(await first).toBe(1);
    const next = reads.read('d');
    expect(batches).toEqual([['a'], ['b', 'c'], ['d']]);
    await answer(new Map([['d', 4]]));
    expect(await next).toBe(4);
  });

  it('takes at most maxBatch keys per read', async () => {
    const { batches, flush, answer } = manualRead();
    const reads = new GroupRead(flush, 2);
    const all = [reads.read('a'), reads.read('b'), reads.read('c'), reads.read('d')];
    await answer(new Map());
    await answer(new Map());
    await answer(new Map());
    await Promise.all(all);
    expect(batches).toEqual([['a'], ['b', 'c'], ['d']]);
  });
});
