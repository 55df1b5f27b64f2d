import { FetchBatches } from '../src/kafka/fetch-batches';
import type { BatchProgress, InboundMessage } from '../src/transport';

/** One partition's batch as kafkajs hands it over: its messages, and what its progress was told. */
const partition = (name: string, size: number, { running = () => true }: { running?: () => boolean } = {}) => {
  const messages: InboundMessage[] = Array.from({ length: size }, (_, i) => ({
    topic: 't',
    key: `${name}-key`,
    event: { id: `${name}${i}` },
    raw: { value: null, headers: {} },
    position: `${name}/${i}`,
  }));
  const told = { handled: [] as number[], waits: [] as number[], heartbeats: 0 };
  const progress: BatchProgress = {
    handled: (count) => told.handled.push(count),
    isRunning: running,
    heartbeat: async () => {
      told.heartbeats += 1;
    },
    retryLater: (delayMs) => told.waits.push(delayMs),
  };
  return { name, messages, progress, told };
};

type Part = ReturnType<typeof partition>;

const idsOf = (messages: readonly InboundMessage[]) => messages.map((m) => (m.event as { id: string }).id);

/** A batch handler that handles every message, reporting each one, and records the batches it was given. */
const handlingAll = () => {
  const batches: string[][] = [];
  const handler = async (messages: readonly InboundMessage[], progress: BatchProgress) => {
    batches.push(idsOf(messages));
    for (let i = 1; i <= messages.length; i += 1) {
      if (!progress.isRunning()) return;
      progress.handled(i);
      await progress.heartbeat();
    }
  };
  return { batches, handler };
};

/** `handlingAll`, and a rebalance: `taken()` turns true once a batch has reported `after` messages handled. */
const handlingAllUntilTaken = (after: number) => {
  let taken = false;
  const { batches, handler } = handlingAll();
  const wrapped = async (messages: readonly InboundMessage[], progress: BatchProgress) =>
    handler(messages, {
      ...progress,
      handled: (count) => {
        progress.handled(count);
        if (count >= after) taken = true;
      },
    });
  return { batches, handler: wrapped, taken: () => taken };
};

/** The parts handed over in one turn of the event loop, as kafkajs's workers do. */
const handOver = (fetchBatches: FetchBatches, parts: readonly Part[]) => Promise.allSettled(parts.map((p) => fetchBatches.handle(p.messages, p.progress)));

describe('FetchBatches: the partition batches of one fetch as one batch', () => {
  it('hands the batches of one turn to the handler as one batch, partition after partition, and reports each partition its own progress', async () => {
    const { batches, handler } = handlingAll();
    const [a, b, c] = [partition('a', 2), partition('b', 3), partition('c', 1)];
    const outcomes = await handOver(new FetchBatches(handler), [a, b, c]);

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(batches).toEqual([['a0', 'a1', 'b0', 'b1', 'b2', 'c0']]);
    // Each partition's offsets are resolved as far as its own messages are handled, never past them.
    expect(a.told.handled).toEqual([1, 2]);
    expect(b.told.handled).toEqual([1, 2, 3]);
    expect(c.told.handled).toEqual([1]);
  });

  it('hands over one partition alone with its own progress', async () => {
    const seen: BatchProgress[] = [];
    const a = partition('a', 2);
    await new FetchBatches(async (_messages, progress) => {
      seen.push(progress);
    }).handle(a.messages, a.progress);
    expect(seen).toEqual([a.progress]);
  });

  it('goes partition by partition, a few at a time, when the fetch holds more than the merge limit', async () => {
    let running = 0;
    let most = 0;
    const batches: string[][] = [];
    const handler = async (messages: readonly InboundMessage[], progress: BatchProgress) => {
      batches.push(idsOf(messages));
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      progress.handled(messages.length);
      running -= 1;
    };
    const parts = ['a', 'b', 'c', 'd'].map((name) => partition(name, 2));
    await handOver(new FetchBatches(handler, { mergeLimit: 7, separateConcurrency: 2 }), parts);

    expect(batches).toEqual([
      ['a0', 'a1'],
      ['b0', 'b1'],
      ['c0', 'c1'],
      ['d0', 'd1'],
    ]);
    expect(most).toBe(2);
    for (const p of parts) expect(p.told.handled).toEqual([2]);
  });

  it('merges nothing with a merge limit of 0', async () => {
    const { batches, handler } = handlingAll();
    await handOver(new FetchBatches(handler, { mergeLimit: 0 }), [partition('a', 1), partition('b', 1)]);
    expect(batches).toEqual([['a0'], ['b0']]);
  });

  it('merges the batches of a later turn into a batch of their own', async () => {
    const { batches, handler } = handlingAll();
    const fetchBatches = new FetchBatches(handler);
    await handOver(fetchBatches, [partition('a', 1), partition('b', 1)]);
    await handOver(fetchBatches, [partition('c', 1), partition('d', 1)]);
    expect(batches).toEqual([
      ['a0', 'b0'],
      ['c0', 'd0'],
    ]);
  });

  it("pauses the partition whose message waits for a retry, and handles the partitions after it on their own", async () => {
    const batches: string[][] = [];
    // Handles messages until b1, whose retry waits 500 ms: as the consumer does, it reports what
    // was handled, hands the wait over and stops.
    const handler = async (messages: readonly InboundMessage[], progress: BatchProgress) => {
      batches.push(idsOf(messages));
      for (let i = 0; i < messages.length; i += 1) {
        if (idsOf([messages[i]])[0] === 'b1' && batches.length === 1) {
          progress.retryLater?.(500);
          return;
        }
        progress.handled(i + 1);
      }
    };
    const [a, b, c] = [partition('a', 2), partition('b', 3), partition('c', 2)];
    const outcomes = await handOver(new FetchBatches(handler), [a, b, c]);

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(batches).toEqual([
      ['a0', 'a1', 'b0', 'b1', 'b2', 'c0', 'c1'],
      ['c0', 'c1'],
    ]);
    expect(a.told).toMatchObject({ handled: [1, 2], waits: [] });
    // b: b0 handled, the wait is b's, and nothing past b0 is resolved (b1 comes again after it).
    expect(b.told).toMatchObject({ handled: [1], waits: [500] });
    expect(c.told).toMatchObject({ handled: [1, 2], waits: [] });
  });

  it('stops the merged batch when a partition is taken away, and goes on with the others on their own', async () => {
    // A rebalance takes b away once a0, a1 and b0 are handled.
    const { batches, handler, taken } = handlingAllUntilTaken(3);
    const [a, b, c] = [partition('a', 2), partition('b', 2, { running: () => !taken() }), partition('c', 2)];
    const outcomes = await handOver(new FetchBatches(handler), [a, b, c]);

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(batches).toEqual([
      ['a0', 'a1', 'b0', 'b1', 'c0', 'c1'],
      ['c0', 'c1'],
    ]);
    expect(a.told.handled).toEqual([1, 2]);
    // b's new owner reads b1 again; this member resolved b0 only.
    expect(b.told.handled).toEqual([1]);
    expect(c.told.handled).toEqual([1, 2]);
  });

  it("goes on with a partition's rest where the merged batch left it, reporting its offsets from there", async () => {
    // b is taken away once a0 is handled: the merged batch stops inside a.
    const { batches, handler, taken } = handlingAllUntilTaken(1);
    const [a, b] = [partition('a', 3), partition('b', 1, { running: () => !taken() })];
    await handOver(new FetchBatches(handler), [a, b]);

    expect(batches).toEqual([
      ['a0', 'a1', 'a2', 'b0'],
      ['a1', 'a2'],
    ]);
    // a1 and a2, handled as the rest's first and second, are a's second and third.
    expect(a.told.handled).toEqual([1, 2, 3]);
    expect(b.told.handled).toEqual([]);
  });

  it("fails every partition of a merged batch when the handler fails, with what was reported handled kept", async () => {
    const failure = new Error('connection terminated');
    const handler = async (_messages: readonly InboundMessage[], progress: BatchProgress) => {
      progress.handled(2);
      throw failure;
    };
    const [a, b] = [partition('a', 1), partition('b', 2)];
    const outcomes = await handOver(new FetchBatches(handler), [a, b]);

    expect(outcomes).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
    expect(a.told.handled).toEqual([1]);
    expect(b.told.handled).toEqual([1]);
  });
});

describe('FetchBatches: one commit of the offsets for each fetch', () => {
  it('commits once, after the batch handler and before the partitions are done', async () => {
    const order: string[] = [];
    const handler = async (messages: readonly InboundMessage[], progress: BatchProgress) => {
      order.push(`handled ${idsOf(messages).join(' ')}`);
      progress.handled(messages.length);
    };
    const fetchBatches = new FetchBatches(handler, {
      commit: async () => {
        order.push('commit');
      },
    });
    const [a, b] = [partition('a', 1), partition('b', 1)];
    await Promise.all([a, b].map((p) => fetchBatches.handle(p.messages, p.progress).then(() => order.push(`${p.name} done`))));
    expect(order).toEqual(['handled a0 b0', 'commit', 'a done', 'b done']);
  });

  it('commits once for partitions that went one by one', async () => {
    let commits = 0;
    const { batches, handler } = handlingAll();
    await handOver(new FetchBatches(handler, { mergeLimit: 1, commit: async () => void (commits += 1) }), [partition('a', 1), partition('b', 1), partition('c', 1)]);
    expect(batches).toEqual([['a0'], ['b0'], ['c0']]);
    expect(commits).toBe(1);
  });

  it('commits what was handled when the handler fails, and the partitions fail with its error', async () => {
    let commits = 0;
    const failure = new Error('connection terminated');
    const handler = async (_messages: readonly InboundMessage[], progress: BatchProgress) => {
      progress.handled(1);
      throw failure;
    };
    const [a, b] = [partition('a', 1), partition('b', 1)];
    const outcomes = await handOver(new FetchBatches(handler, { commit: async () => void (commits += 1) }), [a, b]);
    expect(commits).toBe(1);
    expect(a.told.handled).toEqual([1]);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
  });

  it('fails the partitions when the commit fails, for kafkajs to act on', async () => {
    const refused = new Error('The coordinator is not aware of this member');
    const { handler } = handlingAll();
    const outcomes = await handOver(
      new FetchBatches(handler, {
        commit: async () => {
          throw refused;
        },
      }),
      [partition('a', 1), partition('b', 1)],
    );
    expect(outcomes).toEqual([
      { status: 'rejected', reason: refused },
      { status: 'rejected', reason: refused },
    ]);
  });
});
