import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { TicketAcceptedV1 } from '@tss/contracts';
import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { EventLog, EXPIRED_ENTRIES_SQL } from '../src/in-process/event-log';
import { EVENT_LOG_SCHEMA, EventLogTables1764900000000 } from '../src/in-process/event-log.migration';
import { EventLogRetention } from '../src/in-process/event-log-retention';
import { InProcessTransport } from '../src/in-process/in-process-transport';
import { MaskKeptLogEntries1765501360000 } from '../src/in-process/mask-kept-log-entries.migration';
import { messagingMigrations } from '../src/outbox/messaging-migrations';
import { Outbox } from '../src/outbox/outbox';
import { OutboxRelay } from '../src/outbox/outbox-relay';
import { UnitOfWork } from '../src/outbox/unit-of-work';
import { retentionSettingsFrom } from '../src/retention/retention-settings';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const DAY = 24 * 60 * 60_000;
const TOPIC = 'tss.ticket';

/**
 * The in-process log is pruned as Kafka's retention prunes a topic (docs/adr/0032, addendum of
 * 2026-12-05, second session): entries older than EVENT_RETENTION_DAYS that every known consumer
 * group has committed, in short batches; never one a known group has still to read.
 */
describe('in-process event log retention (docs/adr/0032)', () => {
  let db: TestDatabase;
  let log: EventLog;
  let sql: Client;
  const clock = new TestClock(new Date(T0));

  beforeAll(async () => {
    db = await createTestDatabase('event_log_retention', { from: 'empty' });
    log = await EventLog.open(db.url, { clock });
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  beforeEach(async () => {
    await sql.query(`TRUNCATE "${EVENT_LOG_SCHEMA}".messages, "${EVENT_LOG_SCHEMA}".group_offsets`);
    clock.set(new Date(T0));
  });

  afterAll(async () => {
    await sql?.end();
    await log?.close();
    await db?.drop();
  });

  /** Appends `keys` as the clock reads `daysAgo` days before T0; returns their offsets by key. */
  const appendAt = async (daysAgo: number, keys: readonly string[]): Promise<Record<string, string>> => {
    clock.set(new Date(T0 - daysAgo * DAY));
    await log.append(keys.map((key) => ({ topic: TOPIC, key, headers: {}, value: Buffer.from(key) })));
    clock.set(new Date(T0));
    const offsets = (await sql.query<{ key: string; offset: string }>(`SELECT message_key AS key, log_offset::text AS offset FROM "${EVENT_LOG_SCHEMA}".messages WHERE message_key = ANY($1)`, [keys]))
      .rows;
    return Object.fromEntries(offsets.map((o) => [o.key, o.offset]));
  };
  const kept = async () => (await sql.query<{ key: string }>(`SELECT message_key AS key FROM "${EVENT_LOG_SCHEMA}".messages ORDER BY log_offset`)).rows.map((r) => r.key);
  const retention = (env: NodeJS.ProcessEnv = {}, on: Pick<EventLog, 'pruneBatch'> = log) => new EventLogRetention({ ...retentionSettingsFrom(env), log: on, clock, logger });
  const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);

  it('prunes entries older than the retention period (7 days) that every known group has committed; keeps newer ones', async () => {
    await appendAt(8, ['read-8d-a', 'read-8d-b']);
    const { 'read-6d': last } = await appendAt(6, ['read-6d']);
    await log.commit('sla-timer', last);
    await log.commit('notification', last);

    expect(await retention().pruneOnce()).toBe(2);
    expect(await kept()).toEqual(['read-6d']);
    // EVENT_RETENTION_DAYS, as for the outbox and the inbox.
    expect(await retention({ EVENT_RETENTION_DAYS: '5' }).pruneOnce()).toBe(1);
    expect(await kept()).toEqual([]);
  });

  it('keeps an entry a known group has not read, however old: a consumer down for weeks loses nothing', async () => {
    const offsets = await appendAt(30, ['e1', 'e2', 'e3', 'e4']);
    await log.commit('busy', offsets.e4);
    await log.commit('idle', offsets.e1);

    expect(await retention().pruneOnce()).toBe(1);
    expect(await kept()).toEqual(['e2', 'e3', 'e4']);
    // The idle group reads on from its offset and finds everything it had not read.
    expect((await log.read([TOPIC], await log.committedOffset('idle'), 10)).map((e) => e.key)).toEqual(['e2', 'e3', 'e4']);
  });

  it('a group at offset 0 keeps everything; with no known group nothing is pruned', async () => {
    const offsets = await appendAt(30, ['e1', 'e2']);
    expect(await retention().pruneOnce()).toBe(0);
    await log.commit('busy', offsets.e2);
    await log.commit('starting', '0');
    expect(await retention().pruneOnce()).toBe(0);
    expect(await kept()).toEqual(['e1', 'e2']);
  });

  it('a group never seen starts at the oldest entry kept, as a new Kafka group reading from the earliest', async () => {
    await appendAt(9, ['old']);
    const { kept: last } = await appendAt(1, ['kept']);
    await log.commit('busy', last);
    await retention().pruneOnce();
    expect(await log.committedOffset('new-group')).toBe('0');
    expect((await log.read([TOPIC], '0', 10)).map((e) => e.key)).toEqual(['kept']);
  });

  it('deletes in batches of EVENT_RETENTION_BATCH_SIZE until a batch comes back short', async () => {
    const offsets = await appendAt(9, range('old', 25));
    await appendAt(1, ['new']);
    await log.commit('busy', offsets['old-25']);
    const batches: number[] = [];
    const counting: Pick<EventLog, 'pruneBatch'> = {
      pruneBatch: async (cutoff, batchSize) => {
        const deleted = await log.pruneBatch(cutoff, batchSize);
        batches.push(deleted);
        return deleted;
      },
    };
    expect(await retention({ EVENT_RETENTION_BATCH_SIZE: '10' }, counting).pruneOnce()).toBe(25);
    expect(batches).toEqual([10, 10, 5]);
    expect(await kept()).toEqual(['new']);
  });

  it('two pruners at once (two processes on one database) neither fail nor delete an entry twice', async () => {
    const keys = range('old', 3_000);
    await sql.query(
      `INSERT INTO "${EVENT_LOG_SCHEMA}".messages (topic, message_key, headers, value, appended_at)
       SELECT $1, 'old-' || g, '{}'::jsonb, NULL, $2 FROM generate_series(1, 3000) g`,
      [TOPIC, new Date(T0 - 9 * DAY)],
    );
    await appendAt(1, ['new']);
    const [{ last }] = (await sql.query<{ last: string }>(`SELECT max(log_offset)::text AS last FROM "${EVENT_LOG_SCHEMA}".messages`)).rows;
    await log.commit('busy', last);
    const otherProcess = await EventLog.open(db.url, { clock });
    try {
      const pruned = await Promise.all([retention({ EVENT_RETENTION_BATCH_SIZE: '100' }).pruneOnce(), retention({ EVENT_RETENTION_BATCH_SIZE: '100' }, otherProcess).pruneOnce()]);
      expect(pruned[0] + pruned[1]).toBe(keys.length);
      expect(await kept()).toEqual(['new']);
    } finally {
      await otherProcess.close();
    }
  });

  it('a consumer reading while passes prune behind it gets every entry once, in order', async () => {
    const keys = range('e', 300);
    const offsets = await appendAt(30, keys);
    await log.commit('ahead', offsets['e-300']);
    await log.commit('reader', offsets['e-100']);
    const transport = new InProcessTransport({ batchSize: 10, lingerMs: 0, pollIntervalMs: 20 });
    await transport.useDatabase(db.url, { clock });
    const sut = retention({ EVENT_RETENTION_BATCH_SIZE: '5' });
    const received: string[] = [];
    let pruned = 0;
    let reading = true;
    const subscription = await transport.subscribe({
      group: 'reader',
      topics: [TOPIC],
      handle: async (m) => {
        received.push(m.key!);
        // Halfway, with e-140 committed: a pass has pruned right up to the reader before it reads on.
        if (m.key === 'e-150') await waitFor('a pass pruning up to the reader', () => pruned >= 140);
      },
    });
    const passes = (async () => {
      while (reading) {
        pruned += await sut.pruneOnce();
        await new Promise(setImmediate); // let the reader's I/O in between passes
      }
    })();
    try {
      await waitFor('the reader has committed its last entry', async () => (await log.committedOffset('reader')) === offsets['e-300']);
    } finally {
      reading = false;
      await passes;
      await subscription.stop();
      await transport.close();
    }
    expect(received).toEqual(keys.slice(100));
    pruned += await sut.pruneOnce();
    expect(pruned).toBe(300);
    expect(await kept()).toEqual([]);
  });

  it('a batch reads the append-time index, not the whole log', async () => {
    await sql.query(
      `INSERT INTO "${EVENT_LOG_SCHEMA}".messages (topic, message_key, headers, value, appended_at)
       SELECT $1, 'k' || g, '{}'::jsonb, NULL, $2 FROM generate_series(1, 20000) g`,
      [TOPIC, new Date(T0 - DAY)],
    );
    const [{ last }] = (await sql.query<{ last: string }>(`SELECT max(log_offset)::text AS last FROM "${EVENT_LOG_SCHEMA}".messages`)).rows;
    await log.commit('busy', last);
    await sql.query(`ANALYZE "${EVENT_LOG_SCHEMA}".messages`);
    const plan = (await sql.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${EXPIRED_ENTRIES_SQL}`, [new Date(T0 - 7 * DAY), 1000])).rows.map((r) => r['QUERY PLAN']).join('\n');
    // Nothing is expired: the plan must find that out from the index, not by reading 20,000 entries.
    expect(plan).toMatch(/messages_appended_at/);
    expect(plan).not.toMatch(/Seq Scan on messages/);
  });

  it('entries take their append time from the injected clock, whether published or copied by the relay', async () => {
    const schema = 'log_retention_producer';
    const producer: DataSource = createServiceDataSource({ url: db.url, schema, migrations: messagingMigrations(schema) });
    await initializeAndMigrate(producer);
    const transport = new InProcessTransport();
    await transport.useDatabase(db.url, { clock });
    const relay = new OutboxRelay({ dataSource: producer, schema, transport, clock, logger, pollIntervalMs: 10_000 });
    try {
      clock.set('2026-05-01T08:00:00.000Z');
      const event = await new UnitOfWork(producer).run((tx) =>
        new Outbox({ service: 'ticket-intake', schema, clock }).add(tx, TicketAcceptedV1, randomUUID(), { partnerId: randomUUID(), sequence: 2, acceptedAt: '2026-05-01T08:00:00.000Z', via: 'api' }),
      );
      relay.start();
      await waitFor('the copy into the log', async () => (await sql.query(`SELECT 1 FROM "${EVENT_LOG_SCHEMA}".messages WHERE headers->>'ce_id' = $1`, [event.id])).rowCount === 1);
      clock.set('2026-05-02T08:00:00.000Z');
      await transport.publish([{ topic: TOPIC, key: 'published', event: { ...event, id: randomUUID() } }]);
      const times = await sql.query<{ key: string; appended_at: Date }>(`SELECT message_key AS key, appended_at FROM "${EVENT_LOG_SCHEMA}".messages ORDER BY log_offset`);
      expect(times.rows.map((r) => r.appended_at.toISOString())).toEqual(['2026-05-01T08:00:00.000Z', '2026-05-02T08:00:00.000Z']);
    } finally {
      await relay.stop();
      await transport.close();
      await producer.destroy();
    }
  });

  it('upgrade: entries appended before the log kept append times age from the upgrade', async () => {
    const older = await createTestDatabase('event_log_retention_upgrade', { from: 'empty' });
    try {
      const before = createServiceDataSource({ url: older.url, schema: EVENT_LOG_SCHEMA, migrations: [EventLogTables1764900000000, MaskKeptLogEntries1765501360000], poolSize: 1 });
      await initializeAndMigrate(before);
      await before.query(`INSERT INTO "${EVENT_LOG_SCHEMA}".messages (topic, message_key, headers, value) VALUES ($1, 'kept-before', '{}', NULL)`, [TOPIC]);
      const [{ at: startedAt }] = (await before.query(`SELECT clock_timestamp() AS at`)) as { at: Date }[];
      await before.destroy();
      const upgraded = await EventLog.open(older.url, { clock });
      await upgraded.close();
      const client = new Client({ connectionString: older.url });
      await client.connect();
      try {
        const [{ at: upgradedAt }] = (await client.query<{ at: Date }>(`SELECT clock_timestamp() AS at`)).rows;
        const [{ appended_at: appendedAt }] = (await client.query<{ appended_at: Date }>(`SELECT appended_at FROM "${EVENT_LOG_SCHEMA}".messages`)).rows;
        expect(appendedAt.getTime()).toBeGreaterThanOrEqual(startedAt.getTime());
        expect(appendedAt.getTime()).toBeLessThanOrEqual(upgradedAt.getTime());
      } finally {
        await client.end();
      }
    } finally {
      await older.drop();
    }
  });
});
