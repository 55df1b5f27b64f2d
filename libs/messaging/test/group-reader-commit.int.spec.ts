import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { waitFor } from '@tss/service-kit/testing';
import { EventLog } from '../src/in-process/event-log';
import { GroupReader } from '../src/in-process/group-reader';
import type { InboundMessage } from '../src/transport';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/**
 * Issue #15: a group reader commits a batch's offset in the statement of its next read, not in one
 * of its own; stopping commits the last. What was handled is never delivered again, and what
 * failed still is.
 */
describe('the in-process group reader commits with its next read', () => {
  let db: TestDatabase;
  let log: EventLog;
  const calls: string[] = [];
  /** The log, with each read (and the offset it commits) and each commit of its own recorded. */
  let watched: EventLog;
  let topic = 0;

  beforeAll(async () => {
    db = await createTestDatabase('group_reader_commit', { from: 'empty' });
    log = await EventLog.open(db.url);
    watched = new Proxy(log, {
      get(target, property) {
        if (property === 'read') {
          return (topics: readonly string[], after: string, limit: number, commit?: { group: string; offset: string }) => {
            calls.push(commit ? `read committing ${commit.offset}` : 'read');
            return target.read(topics, after, limit, commit);
          };
        }
        if (property === 'commit') {
          return (group: string, offset: string) => {
            calls.push(`commit ${offset}`);
            return target.commit(group, offset);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  });
  beforeEach(() => {
    calls.length = 0;
    topic += 1;
  });
  afterAll(async () => {
    await log?.close();
    await db?.drop();
  });

  const appended = async (name: string, keys: readonly string[]): Promise<string[]> => {
    await log.append(keys.map((key) => ({ topic: name, key, headers: {}, value: Buffer.from(key) })));
    return (await log.read([name], '0', 100)).map((e) => e.offset);
  };
  const reader = (name: string, handleBatch: (messages: readonly InboundMessage[], handled: (n: number) => void) => Promise<void>, lingerMs = 0) =>
    new GroupReader({
      log: watched,
      group: `g-${name}`,
      topics: [name],
      handle: async () => undefined,
      handleBatch: (messages, progress) => handleBatch(messages, (n) => progress.handled(n)),
      pollIntervalMs: 50,
      maxBackoffMs: 50,
      batchSize: 100,
      lingerMs,
      logger,
    });

  it('a batch handled: its offset goes with the next read, and no commit of its own is sent', async () => {
    const name = `t${topic}`;
    const offsets = await appended(name, ['a', 'b', 'c']);
    const seen: string[] = [];
    const running = reader(name, async (messages, handled) => {
      seen.push(...messages.map((m) => m.key ?? ''));
      handled(messages.length);
    });
    try {
      await waitFor('the batch committed', async () => (await log.committedOffset(`g-${name}`)) === offsets[2]);
      expect(seen).toEqual(['a', 'b', 'c']);
      expect(calls).toContain(`read committing ${offsets[2]}`);
      expect(calls.filter((c) => c.startsWith('commit'))).toEqual([]);
    } finally {
      await running.stop();
    }
  });

  it('stopped with a batch handled and its next read not sent yet: the stop commits it', async () => {
    const name = `t${topic}`;
    const offsets = await appended(name, ['a', 'b']);
    let handledAll = false;
    // A long linger after a batch smaller than the batch size: the next read waits for it.
    const running = reader(
      name,
      async (messages, handled) => {
        handled(messages.length);
        handledAll = true;
      },
      60_000,
    );
    await waitFor('the batch handled', () => handledAll);
    await running.stop();
    expect(calls.filter((c) => c.startsWith('commit'))).toEqual([`commit ${offsets[1]}`]);
    expect(await log.committedOffset(`g-${name}`)).toBe(offsets[1]);
  });

  it('a batch failing after its first message: the first is not delivered again, the rest are', async () => {
    const name = `t${topic}`;
    const offsets = await appended(name, ['a', 'b', 'c']);
    const seen: string[] = [];
    let failed = false;
    const running = reader(name, async (messages, handled) => {
      seen.push(...messages.map((m) => m.key ?? ''));
      if (!failed) {
        failed = true;
        handled(1);
        throw new Error('the database went away after the first');
      }
      handled(messages.length);
    });
    try {
      await waitFor('every message committed', async () => (await log.committedOffset(`g-${name}`)) === offsets[2]);
      expect(seen).toEqual(['a', 'b', 'c', 'b', 'c']);
    } finally {
      await running.stop();
    }
  });
});
