import pino from 'pino';
import type { DataSource } from 'typeorm';
import { createServiceDataSource, inTransaction, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { DEFAULT_TIMER_RETENTION, TimerStore, TimerWorker, timerRetentionSettingsFrom, timersMigrations } from '../src';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const SCHEMA = 'timers_retention_test';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('timers an earlier version left marked fired are pruned on a schedule (issue #10, docs/adr/0041, 0059)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const workers: TimerWorker[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('timer-retention', { from: 'empty' });
    dataSource = createServiceDataSource({ url: db.url, schema: SCHEMA, migrations: timersMigrations(SCHEMA) });
    await initializeAndMigrate(dataSource);
  });

  beforeEach(async () => {
    await dataSource.query(`TRUNCATE "${SCHEMA}".timers`);
  });

  afterEach(async () => {
    while (workers.length) await workers.pop()!.stop();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const rows = async () =>
    (await dataSource.query(`SELECT id, status FROM "${SCHEMA}".timers ORDER BY id`)) as { id: string; status: string }[];

  /** A row as versions before docs/adr/0059 left a fired timer: marked fired, not deleted. */
  const firedByAnEarlierVersion = (ids: readonly string[], firedAt: Date) =>
    dataSource.query(
      `INSERT INTO "${SCHEMA}".timers (id, kind, due_at, payload, next_attempt_at, scheduled_at, status, fired_at, attempts)
       SELECT id, 'test', $2, '{}', $2, $2, 'fired', $2, 1 FROM unnest($1::text[]) AS id`,
      [ids, firedAt],
    );

  it('a timer fired now leaves no row; a started worker deletes rows an earlier version marked fired 7 days after they fired, a pass an hour of clock time; pending timers stay, however old', async () => {
    const clock = new TestClock('2026-03-02T09:00:00.000Z');
    const store = new TimerStore({ schema: SCHEMA, clock });
    const worker = new TimerWorker({ dataSource, schema: SCHEMA, clock, logger, handlers: { test: async () => undefined }, retention: { ...DEFAULT_TIMER_RETENTION, batchSize: 7 } });
    workers.push(worker);
    await firedByAnEarlierVersion(Array.from({ length: 20 }, (_, i) => `early-${String(i).padStart(2, '0')}`), clock.now());
    await firedByAnEarlierVersion(['late'], new Date(clock.now().getTime() + 3 * DAY));
    await inTransaction(dataSource, async (tx) => {
      await store.schedule(tx, { id: 'soon', kind: 'test', dueAt: new Date(clock.now().getTime() + HOUR) });
      await store.schedule(tx, { id: 'far', kind: 'test', dueAt: new Date(clock.now().getTime() + 60 * DAY) });
    });
    worker.start();
    await waitFor('the pass at start', () => worker.retention!.passes === 1);
    clock.advanceMs(HOUR); // 'soon' fires, and is gone with it (docs/adr/0059)
    await waitFor('soon fired', () => worker.firedCount === 1);
    expect((await rows()).some((r) => r.id === 'soon')).toBe(false);
    clock.advanceMs(3 * DAY); // nothing is 7 days old yet
    await waitFor('a pass since', () => worker.retention!.passes >= 2);
    expect(worker.retention!.pruned).toBe(0);
    clock.advanceMs(4 * DAY + 60_000); // the early ones fired over 7 days ago now; 'late' 4 days ago
    await waitFor('the early ones pruned', async () => (await rows()).length === 2);
    expect(await rows()).toEqual([
      { id: 'far', status: 'pending' },
      { id: 'late', status: 'fired' },
    ]);
    // In batches of 7: 20 rows took three deleting statements in one pass.
    expect(worker.retention!.pruned).toBe(20);
    const passes = worker.retention!.passes;
    clock.advanceMs(10 * 60_000); // within the hour: no pass
    await worker.runDue();
    expect(worker.retention!.passes).toBe(passes);
    clock.advanceMs(3 * DAY + HOUR); // 'late' is 7 days old
    await waitFor('late pruned', async () => (await rows()).length === 1);
    expect(await rows()).toEqual([{ id: 'far', status: 'pending' }]);
  });

  it('the period is configurable (TIMER_RETENTION_DAYS); bad settings are refused with every variable named; false turns it off', async () => {
    expect(timerRetentionSettingsFrom({})).toEqual({ retentionMs: 7 * DAY, intervalMs: HOUR, batchSize: 1_000 });
    expect(timerRetentionSettingsFrom({ TIMER_RETENTION_DAYS: '1', TIMER_RETENTION_INTERVAL_MINUTES: '5', TIMER_RETENTION_BATCH_SIZE: '50' })).toEqual({
      retentionMs: DAY,
      intervalMs: 5 * 60_000,
      batchSize: 50,
    });
    expect(() => timerRetentionSettingsFrom({ TIMER_RETENTION_DAYS: '0', TIMER_RETENTION_BATCH_SIZE: '1.5' })).toThrow(
      /TIMER_RETENTION_DAYS=0: Expected number to be greater than 0\n {2}- TIMER_RETENTION_BATCH_SIZE=1\.5: Expected integer/,
    );

    const clock = new TestClock('2026-03-02T09:00:00.000Z');
    await firedByAnEarlierVersion(['one'], clock.now());
    const oneDay = new TimerWorker({ dataSource, schema: SCHEMA, clock, logger, handlers: { test: async () => undefined }, retention: timerRetentionSettingsFrom({ TIMER_RETENTION_DAYS: '1' }) });
    const off = new TimerWorker({ dataSource, schema: SCHEMA, clock, logger, handlers: { test: async () => undefined }, retention: false });
    expect(off.retention).toBeUndefined();
    clock.advanceMs(DAY - 1);
    expect(await oneDay.retention!.pruneOnce()).toBe(0);
    clock.advanceMs(2);
    expect(await oneDay.retention!.pruneOnce()).toBe(1);
    expect(await rows()).toEqual([]);
  });

  it('the prune reads the fired-at index, not the table, with many pending timers', async () => {
    await dataSource.query(
      `INSERT INTO "${SCHEMA}".timers (id, kind, due_at, payload, next_attempt_at, scheduled_at, status, fired_at)
       SELECT 't' || g, 'test', now(), '{}', now(), now(), CASE WHEN g % 100 = 0 THEN 'fired' ELSE 'pending' END, CASE WHEN g % 100 = 0 THEN now() END
         FROM generate_series(1, 20000) g`,
    );
    await dataSource.query(`ANALYZE "${SCHEMA}".timers`);
    const plan = ((await dataSource.query(
      `EXPLAIN SELECT id FROM "${SCHEMA}".timers WHERE status = 'fired' AND fired_at < now() - interval '7 days' LIMIT 1000 FOR UPDATE SKIP LOCKED`,
    )) as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/Index Scan using timers_fired_at/);
    expect(plan).not.toMatch(/Seq Scan/);
  });
});
