import pino from 'pino';
import type { DataSource } from 'typeorm';
import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { messagingMigrations } from '../src/outbox/messaging-migrations';
import { EventRetention } from '../src/retention/event-retention';
import { EXPIRED_KEYS_SQL } from '../src/retention/prune-statements';
import { retentionSettingsFrom } from '../src/retention/retention-settings';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const SCHEMA = 'retention_test';
const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const DAY = 24 * 60 * 60_000;
const daysAgo = (days: number) => new Date(T0 - days * DAY);

describe('event retention (issue #10, docs/adr/0032)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('retention', { from: 'empty' });
    dataSource = createServiceDataSource({ url: db.url, schema: SCHEMA, migrations: messagingMigrations(SCHEMA) });
    await initializeAndMigrate(dataSource);
  });

  beforeEach(async () => {
    await dataSource.query(`TRUNCATE "${SCHEMA}".outbox, "${SCHEMA}".inbox, "${SCHEMA}".dead_letters`);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  let serial = 0;
  const outboxRow = (id: string, createdAt: Date, publishedAt: Date | null) =>
    dataSource.query(
      `INSERT INTO "${SCHEMA}".outbox (event_id, event_type, topic, message_key, event, created_at, published_at)
       VALUES (gen_random_uuid(), 'ticket.created', 'tss.ticket', $1, jsonb_build_object('id', $1::text), $2, $3)`,
      [id, createdAt, publishedAt],
    );
  const inboxRow = (id: string, handledAt: Date) =>
    dataSource.query(`INSERT INTO "${SCHEMA}".inbox (consumer_group, event_id, event_type, handled_at) VALUES ('g', $1, 'ticket.created', $2)`, [id, handledAt]);
  const deadLetter = (id: string, status: 'parked' | 'replayed' | 'skipped', at: Date, resolvedAt: Date | null) => {
    serial += 1;
    return dataSource.query(
      `INSERT INTO "${SCHEMA}".dead_letters (consumer_group, topic, message_key, event_id, headers, reason, kind, status, dead_lettered_at, resolved_at)
       VALUES ('g', 'tss.ticket', $1, $2, '{}'::jsonb, 'boom', 'failed', $3, $4, $5)`,
      [id, `${id}-${serial}`, status, at, resolvedAt],
    );
  };
  const keys = async (sql: string) => ((await dataSource.query(sql)) as { k: string }[]).map((r) => r.k).sort();
  const remaining = async () => ({
    outbox: await keys(`SELECT message_key AS k FROM "${SCHEMA}".outbox`),
    inbox: await keys(`SELECT event_id AS k FROM "${SCHEMA}".inbox`),
    deadLetters: await keys(`SELECT message_key AS k FROM "${SCHEMA}".dead_letters`),
  });

  const seed = async () => {
    await outboxRow('published-8d', daysAgo(8), daysAgo(8));
    await outboxRow('published-6d', daysAgo(8), daysAgo(6)); // created long ago, published within the week: kept
    await outboxRow('unpublished-30d', daysAgo(30), null); // the relay's, however old
    await inboxRow('handled-8d', daysAgo(8));
    await inboxRow('handled-6d', daysAgo(6));
    await deadLetter('replayed-8d', 'replayed', daysAgo(20), daysAgo(8));
    await deadLetter('skipped-8d', 'skipped', daysAgo(20), daysAgo(8));
    await deadLetter('replayed-6d', 'replayed', daysAgo(20), daysAgo(6));
    await deadLetter('parked-30d', 'parked', daysAgo(30), null); // waits for an operator, however old
  };

  const retention = (clock: TestClock, env: NodeJS.ProcessEnv = {}) =>
    new EventRetention({ ...retentionSettingsFrom(env), dataSource, schema: SCHEMA, clock, logger });

  it('keeps 7 days by default: prunes published outbox rows, inbox rows and settled dead letters older than that, nothing else', async () => {
    await seed();
    const counts = await retention(new TestClock(new Date(T0))).pruneOnce();
    expect(counts).toEqual({ outbox: 1, inbox: 1, dead_letters: 2 });
    expect(await remaining()).toEqual({
      outbox: ['published-6d', 'unpublished-30d'],
      inbox: ['handled-6d'],
      deadLetters: ['parked-30d', 'replayed-6d'],
    });
  });

  it('EVENT_RETENTION_DAYS sets the period; bad settings fail start-up with every bad variable named', async () => {
    await seed();
    expect(await retention(new TestClock(new Date(T0)), { EVENT_RETENTION_DAYS: '10' }).pruneOnce()).toEqual({ outbox: 0, inbox: 0, dead_letters: 0 });
    expect(await retention(new TestClock(new Date(T0)), { EVENT_RETENTION_DAYS: '1.5' }).pruneOnce()).toEqual({ outbox: 2, inbox: 2, dead_letters: 3 });
    expect(() => retentionSettingsFrom({ EVENT_RETENTION_DAYS: '0', EVENT_RETENTION_BATCH_SIZE: '2.5' })).toThrow(
      /Invalid configuration:\n {2}- EVENT_RETENTION_DAYS=0: Expected number to be greater than 0\n {2}- EVENT_RETENTION_BATCH_SIZE=2\.5: Expected integer/,
    );
  });

  it('deletes in batches of EVENT_RETENTION_BATCH_SIZE statements until nothing expired is left', async () => {
    for (let i = 0; i < 25; i += 1) {
      await outboxRow(`old-${i}`, daysAgo(9), daysAgo(9));
      await inboxRow(`old-${i}`, daysAgo(9));
    }
    await outboxRow('new', daysAgo(1), daysAgo(1));
    const statements: string[] = [];
    const counting = Object.create(dataSource) as DataSource;
    counting.query = ((sql: string, params?: unknown[]) => {
      if (sql.trimStart().startsWith('DELETE')) statements.push(sql);
      return dataSource.query(sql, params);
    }) as DataSource['query'];
    const sut = new EventRetention({ ...retentionSettingsFrom({ EVENT_RETENTION_BATCH_SIZE: '10' }), dataSource: counting, schema: SCHEMA, clock: new TestClock(new Date(T0)), logger });
    expect(await sut.pruneOnce()).toEqual({ outbox: 25, inbox: 25, dead_letters: 0 });
    // 10 + 10 + 5 per table, then one for the empty dead letters.
    expect(statements).toHaveLength(3 + 3 + 1);
    expect(await remaining()).toEqual({ outbox: ['new'], inbox: [], deadLetters: [] });
  });

  it('a started retention prunes at once and again every interval, by the clock it was given', async () => {
    const clock = new TestClock(new Date(T0));
    await outboxRow('published-now', daysAgo(0), daysAgo(0));
    await outboxRow('published-8d', daysAgo(8), daysAgo(8));
    const sut = new EventRetention({ ...retentionSettingsFrom({}), intervalMs: 20, dataSource, schema: SCHEMA, clock, logger });
    sut.start();
    try {
      await waitFor('the first pass', async () => (await remaining()).outbox.length === 1, { timeoutMs: 5_000 });
      expect((await remaining()).outbox).toEqual(['published-now']);
      clock.advanceMs(7 * DAY + 1);
      await waitFor('a later pass at the new time', async () => (await remaining()).outbox.length === 0, { timeoutMs: 5_000 });
    } finally {
      await sut.stop();
    }
    expect(sut.passes).toBeGreaterThanOrEqual(2);
  });

  it('the prune reads the retention index, not the whole table', async () => {
    await dataSource.query(
      `INSERT INTO "${SCHEMA}".outbox (event_id, event_type, topic, message_key, event, created_at, published_at)
       SELECT gen_random_uuid(), 'ticket.created', 'tss.ticket', 'k' || g, '{}'::jsonb, $1, $1 FROM generate_series(1, 20000) g`,
      [daysAgo(1)],
    );
    await dataSource.query(`INSERT INTO "${SCHEMA}".inbox (consumer_group, event_id, event_type, handled_at) SELECT 'g', 'e' || g, 't', $1 FROM generate_series(1, 20000) g`, [daysAgo(1)]);
    await dataSource.query(`ANALYZE "${SCHEMA}".outbox`);
    await dataSource.query(`ANALYZE "${SCHEMA}".inbox`);
    const plan = async (sql: string) => ((await dataSource.query(`EXPLAIN ${sql}`, [daysAgo(7), 1000])) as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN']).join('\n');
    // Nothing is expired: the plan must find that out from the index, not by reading 20,000 rows.
    expect(await plan(EXPIRED_KEYS_SQL.outbox(SCHEMA))).toMatch(/outbox_published_at/);
    expect(await plan(EXPIRED_KEYS_SQL.inbox(SCHEMA))).toMatch(/inbox_handled_at/);
    expect(await plan(EXPIRED_KEYS_SQL.outbox(SCHEMA))).not.toMatch(/Seq Scan/);
  });
});
