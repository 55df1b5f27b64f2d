import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { waitFor } from '@tss/service-kit/testing';
import { EventLog } from '../src/in-process/event-log';
import { EVENT_LOG_SCHEMA } from '../src/in-process/event-log.migration';

/**
 * The in-process log's offsets must become visible in offset order, or a reader that passed
 * offset n skips a smaller one committed after it. An append takes the log's append lock in its
 * one statement and holds it to its commit (docs/adr/0013, docs/performance.md).
 */
describe('in-process event log: appends in commit order', () => {
  let db: TestDatabase;
  let log: EventLog;
  let other: Client;

  beforeAll(async () => {
    db = await createTestDatabase('event_log_append');
    log = await EventLog.open(db.url);
    other = new Client({ connectionString: db.url });
    await other.connect();
  });

  afterAll(async () => {
    await other?.end();
    await log?.close();
    await db?.drop();
  });

  it('waits for an appender that is still in its transaction, so its smaller offset is never passed', async () => {
    // Another appender: lock taken, its row inserted (offset taken), not committed yet.
    await other.query('BEGIN');
    await other.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${EVENT_LOG_SCHEMA}:append`]);
    await other.query(`INSERT INTO "${EVENT_LOG_SCHEMA}".messages (topic, message_key, headers, value) VALUES ('lock-test', 'first', '{}', 'a')`);

    let settled = false;
    const appending = log.append([{ topic: 'lock-test', key: 'second', headers: {}, value: Buffer.from('b') }]).finally(() => (settled = true));
    await waitFor('the append waiting on the append lock', async () => {
      const { rows } = await other.query<{ waiting: number }>(`SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
      return rows[0].waiting === 1;
    });
    expect(settled).toBe(false);
    expect(await log.read(['lock-test'], '0', 10)).toEqual([]);

    await other.query('COMMIT');
    await appending;
    const entries = await log.read(['lock-test'], '0', 10);
    expect(entries.map((e) => e.key)).toEqual(['first', 'second']);
    expect(BigInt(entries[0].offset)).toBeLessThan(BigInt(entries[1].offset));
  });

  it('appends a batch in the order given, in one round trip', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    await log.append(keys.map((key) => ({ topic: 'order-test', key, headers: { n: key }, value: Buffer.from(key) })));
    const entries = await log.read(['order-test'], '0', 100);
    expect(entries.map((e) => e.key)).toEqual(keys);
    expect(entries.map((e) => e.value?.toString())).toEqual(keys);
    expect(entries[7].headers).toEqual({ n: 'k7' });
  });
});
