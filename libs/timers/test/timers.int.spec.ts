import pino from 'pino';
import type { DataSource } from 'typeorm';
import { createServiceDataSource, inTransaction, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { TimerStore, TimerWorker, timersMigrations, type FiredTimer, type TimerWorkerOptions } from '../src';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const SCHEMA = 'timers_test';
const T0 = '2026-03-02T09:00:00.000Z';
const HOUR = 3_600_000;
/** Far longer than any wait below: a firing within them cannot have come from the fallback poll. */
const FALLBACK_SLEEP_MS = 60_000;

describe('durable timers (issue #10, docs/adr/0024)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const workers: TimerWorker[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('timers', { from: 'empty' });
    dataSource = createServiceDataSource({ url: db.url, schema: SCHEMA, migrations: timersMigrations(SCHEMA) });
    await initializeAndMigrate(dataSource);
    await dataSource.query(`CREATE TABLE "${SCHEMA}".effects (timer_id text NOT NULL, worker text NOT NULL, lateness_ms integer NOT NULL, late boolean NOT NULL)`);
  });

  beforeEach(async () => {
    await dataSource.query(`TRUNCATE "${SCHEMA}".timers, "${SCHEMA}".effects`);
  });

  afterEach(async () => {
    while (workers.length) await workers.pop()!.stop();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  /** The handler's effect: a row written in the firing transaction. */
  const recordEffect = (worker: string) => async (timer: FiredTimer, tx: { query(sql: string, p: unknown[]): Promise<unknown> }) => {
    await tx.query(`INSERT INTO "${SCHEMA}".effects (timer_id, worker, lateness_ms, late) VALUES ($1, $2, $3, $4)`, [timer.id, worker, timer.latenessMs, timer.late]);
  };

  const worker = (clock: TestClock, options: Partial<TimerWorkerOptions> = {}) => {
    const w = new TimerWorker({
      dataSource,
      schema: SCHEMA,
      clock,
      logger,
      handlers: { test: recordEffect(options.owner ?? 'w') },
      maxSleepMs: FALLBACK_SLEEP_MS,
      ...options,
    });
    workers.push(w);
    return w;
  };

  const at = (clock: TestClock, ms: number) => new Date(clock.now().getTime() + ms);
  const schedule = (store: TimerStore, timers: { id: string; dueAt: Date; kind?: string }[]) =>
    inTransaction(dataSource, async (tx) => {
      for (const t of timers) await store.schedule(tx, { kind: 'test', payload: { n: t.id }, ...t });
    });
  const effects = async () =>
    (await dataSource.query(`SELECT timer_id, worker, lateness_ms, late FROM "${SCHEMA}".effects ORDER BY timer_id`)) as {
      timer_id: string;
      worker: string;
      lateness_ms: number;
      late: boolean;
    }[];
  const effectCounts = async () =>
    ((await dataSource.query(`SELECT count(*)::int AS total, count(DISTINCT timer_id)::int AS distinct FROM "${SCHEMA}".effects`)) as { total: number; distinct: number }[])[0];

  it('schedules, re-targets by id (an upsert) and cancels', async () => {
    const clock = new TestClock(T0);
    const store = new TimerStore({ schema: SCHEMA, clock });
    await schedule(store, [
      { id: 'sla:c1:breach', dueAt: at(clock, 4 * HOUR) },
      { id: 'sla:c2:breach', dueAt: at(clock, 2 * HOUR) },
    ]);
    await schedule(store, [{ id: 'sla:c1:breach', dueAt: at(clock, HOUR) }]);
    expect(await store.nextDue(dataSource)).toEqual(at(clock, HOUR));
    expect(await inTransaction(dataSource, (tx) => store.cancel(tx, 'sla:c1:breach'))).toBe(true);
    expect(await inTransaction(dataSource, (tx) => store.cancel(tx, 'sla:c1:breach'))).toBe(false);
    expect(await store.nextDue(dataSource)).toEqual(at(clock, 2 * HOUR));

    clock.advanceMs(3 * HOUR);
    const w = worker(clock);
    expect(await w.runDue()).toBe(1);
    expect((await effects()).map((e) => e.timer_id)).toEqual(['sla:c2:breach']);
    expect(await store.nextDue(dataSource)).toBeUndefined();
  });

  it('claims earliest first, skips what is not due, and reports lateness from the due time', async () => {
    const clock = new TestClock(T0);
    const store = new TimerStore({ schema: SCHEMA, clock });
    await schedule(store, [
      { id: 'c', dueAt: at(clock, 3_000) },
      { id: 'a', dueAt: at(clock, 1_000) },
      { id: 'later', dueAt: at(clock, 60_000) },
      { id: 'b', dueAt: at(clock, 2_000) },
    ]);
    clock.advanceMs(5_000);
    const first = await store.claimDue(dataSource, { now: clock.now(), limit: 2, leaseMs: 10_000, owner: 'x' });
    expect(first.map((t) => [t.id, t.latenessMs])).toEqual([
      ['a', 4_000],
      ['b', 3_000],
    ]);
    const rest = await store.claimDue(dataSource, { now: clock.now(), limit: 10, leaseMs: 10_000, owner: 'x' });
    expect(rest.map((t) => t.id)).toEqual(['c']);
  });

  it('ten claimers racing on one table fire each timer exactly once', async () => {
    const clock = new TestClock(T0);
    const racers = Array.from({ length: 10 }, (_, i) => worker(clock, { owner: `racer-${i}`, batchSize: 7 }));
    await schedule(
      racers[0].store,
      Array.from({ length: 500 }, (_, i) => ({ id: `t${String(i).padStart(4, '0')}`, dueAt: at(clock, i) })),
    );
    clock.advanceMs(1_000);
    const fired = await Promise.all(racers.map((r) => r.runDue()));
    expect(fired.reduce((a, b) => a + b, 0)).toBe(500);
    expect(await effectCounts()).toEqual({ total: 500, distinct: 500 });
    expect(new Set((await effects()).map((e) => e.worker)).size).toBeGreaterThan(1);
  });

  it('a claimer that dies mid-claim loses its timers to another after the lease, and they fire once', async () => {
    const clock = new TestClock(T0);
    const survivor = worker(clock, { owner: 'survivor' });
    await schedule(survivor.store, [{ id: 'orphan', dueAt: at(clock, 0) }]);
    const [dead] = await survivor.store.claimDue(dataSource, { now: clock.now(), limit: 10, leaseMs: 30_000, owner: 'dead' });
    expect(dead.id).toBe('orphan');

    expect(await survivor.runDue()).toBe(0); // still leased
    clock.advanceMs(30_000);
    expect(await survivor.runDue()).toBe(1);
    // The dead claimer comes back: its claim is void, so its effect would roll back.
    expect(await inTransaction(dataSource, (tx) => survivor.store.complete(tx, dead))).toBe(false);
    clock.advanceMs(HOUR);
    expect(await survivor.runDue()).toBe(0);
    expect((await effects()).map((e) => [e.timer_id, e.worker])).toEqual([['orphan', 'survivor']]);
  });

  it('re-targeting or cancelling a claimed timer voids the claim: the old claimer cannot fire it', async () => {
    const clock = new TestClock(T0);
    const store = new TimerStore({ schema: SCHEMA, clock });
    await schedule(store, [
      { id: 'moved', dueAt: at(clock, 0) },
      { id: 'dropped', dueAt: at(clock, 0) },
    ]);
    const claimed = await store.claimDue(dataSource, { now: clock.now(), limit: 10, leaseMs: 30_000, owner: 'slow' });
    expect(claimed.map((t) => t.id)).toEqual(['dropped', 'moved']);
    await schedule(store, [{ id: 'moved', dueAt: at(clock, HOUR) }]);
    expect(await inTransaction(dataSource, (tx) => store.cancel(tx, 'dropped'))).toBe(true);
    for (const timer of claimed) expect(await inTransaction(dataSource, (tx) => store.complete(tx, timer))).toBe(false);
    expect(await store.nextDue(dataSource)).toEqual(at(clock, HOUR));
    clock.advanceMs(HOUR);
    expect(await worker(clock).runDue()).toBe(1);
    expect((await effects()).map((e) => e.timer_id)).toEqual(['moved']);
  });

  it('a failing handler gives its timer back with a backoff, and it fires on a later attempt, counted, and is gone', async () => {
    const clock = new TestClock(T0);
    let failuresLeft = 1;
    const attempts: number[] = [];
    const flaky = worker(clock, {
      retryBackoffMs: () => 10_000,
      handlers: {
        test: async (timer, tx) => {
          attempts.push(timer.attempts);
          if (failuresLeft-- > 0) throw new Error('downstream not ready');
          await recordEffect('flaky')(timer, tx);
        },
      },
    });
    await schedule(flaky.store, [{ id: 'retry-me', dueAt: at(clock, 0) }]);
    expect(await flaky.runDue()).toBe(0);
    expect(await flaky.store.nextDue(dataSource)).toEqual(at(clock, 10_000));
    clock.advanceMs(10_000);
    expect(await flaky.runDue()).toBe(1);
    expect(attempts.at(-1)).toBe(2);
    // Fired is deleted with its effect (docs/adr/0059).
    expect(await dataSource.query(`SELECT id FROM "${SCHEMA}".timers WHERE id = 'retry-me'`)).toEqual([]);
  });

  it('after downtime, every timer that came due fires at start-up, marked late with its lateness', async () => {
    const clock = new TestClock(T0);
    const store = new TimerStore({ schema: SCHEMA, clock });
    await schedule(store, [
      { id: 'missed-1', dueAt: at(clock, -2 * HOUR) },
      { id: 'missed-2', dueAt: at(clock, -90_000) },
      { id: 'future', dueAt: at(clock, HOUR) },
    ]);
    const w = worker(clock);
    w.start();
    await waitFor('the missed timers', async () => (await effects()).length === 2, { timeoutMs: 5_000 });
    expect(await effects()).toEqual([
      { timer_id: 'missed-1', worker: 'w', lateness_ms: 2 * HOUR, late: true },
      { timer_id: 'missed-2', worker: 'w', lateness_ms: 90_000, late: true },
    ]);
    expect(w.firedCount).toBe(2);
  });

  it('runs three weeks of simulated time in seconds: 10,000 timers, each fires once, none early', async () => {
    const clock = new TestClock(T0);
    const w = worker(clock);
    const threeWeeks = 21 * 24 * HOUR;
    const dueOffsets = Array.from({ length: 10_000 }, (_, i) => Math.floor((i * 7_919 * 1_000_003) % threeWeeks));
    const start = clock.now().getTime();
    for (let i = 0; i < dueOffsets.length; i += 1_000) {
      await schedule(
        w.store,
        dueOffsets.slice(i, i + 1_000).map((offset, j) => ({ id: `s${i + j}`, dueAt: new Date(start + offset) })),
      );
    }
    const sorted = [...dueOffsets].sort((a, b) => a - b);
    const started = performance.now();
    for (let elapsed = 0; elapsed < threeWeeks + 6 * HOUR; elapsed += 6 * HOUR) {
      clock.set(new Date(start + elapsed));
      await w.runDue();
      const dueSoFar = sorted.filter((o) => o <= elapsed).length;
      expect(await effectCounts()).toEqual({ total: dueSoFar, distinct: dueSoFar });
    }
    expect(await effectCounts()).toEqual({ total: 10_000, distinct: 10_000 });
    process.stdout.write(`timers: 10,000 timers over 3 weeks of simulated time fired in ${Math.round(performance.now() - started)} ms\n`);
  });

  it('a timer scheduled earlier than the one a started worker sleeps towards wakes it (NOTIFY), not the poll', async () => {
    const clock = new TestClock(T0);
    const w = worker(clock);
    const store = new TimerStore({ schema: SCHEMA, clock });
    await schedule(store, [{ id: 'far', dueAt: at(clock, 7 * 24 * HOUR) }]);
    w.start();
    await waitFor('the worker to sleep towards the far timer', () => w.sleepingUntil?.getTime() === at(clock, 7 * 24 * HOUR).getTime(), { timeoutMs: 5_000 });
    // Another replica's commit: nothing in this process kicks the worker.
    await schedule(store, [{ id: 'near', dueAt: clock.now() }]);
    const started = performance.now();
    await waitFor('the near timer, well before the fallback poll', async () => (await effects()).length === 1, { timeoutMs: 2_000 });
    process.stdout.write(`timers: schedule to fire by NOTIFY ${Math.round(performance.now() - started)} ms with a ${FALLBACK_SLEEP_MS} ms fallback\n`);
    expect((await effects()).map((e) => e.timer_id)).toEqual(['near']);

    // A moved test clock plus wake() fires what came due, without real waiting.
    clock.advanceMs(7 * 24 * HOUR);
    w.wake();
    await waitFor('the far timer after the clock moved', async () => (await effects()).length === 2, { timeoutMs: 2_000 });
  });
});
