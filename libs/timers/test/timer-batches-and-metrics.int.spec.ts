import { Client } from 'pg';
import pino from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { createServiceDataSource, inTransaction, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { metricsRegistry } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { TimerStore, TimerWorker, reportDueTimers, timersChannel, timersMigrations, type FiredTimer } from '../src';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const SCHEMA = 'timer_batches_test';
const T0 = '2026-03-02T09:00:00.000Z';

/** One sample of a metric in the process registry, as Prometheus would scrape it. */
const sample = async (name: string, labels: Record<string, string>): Promise<number | undefined> => {
  // A histogram's series (`_bucket`, `_sum`, `_count`) are values of the metric named without the suffix.
  const metric = metricsRegistry().getSingleMetric(name) ?? metricsRegistry().getSingleMetric(name.replace(/_(bucket|sum|count)$/, ''));
  if (!metric) return undefined;
  const { values } = await metric.get();
  return values.find((v) => ('metricName' in v && typeof v.metricName === 'string' ? v.metricName : name) === name && Object.entries(labels).every(([k, value]) => String(v.labels[k]) === value))?.value;
};

describe('timer batches and metrics (issues #10, #14)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('timer_batches', { from: 'empty' });
    dataSource = createServiceDataSource({ url: db.url, schema: SCHEMA, migrations: timersMigrations(SCHEMA) });
    await initializeAndMigrate(dataSource);
    await dataSource.query(`CREATE TABLE "${SCHEMA}".effects (timer_id text NOT NULL)`);
  });

  beforeEach(async () => {
    await dataSource.query(`TRUNCATE "${SCHEMA}".timers, "${SCHEMA}".effects`);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const schedule = (store: TimerStore, clock: TestClock, ids: string[], inMs: number, kind = 'test') =>
    inTransaction(dataSource, async (tx) => {
      for (const id of ids) await store.schedule(tx, { id, kind, dueAt: new Date(clock.now().getTime() + inMs) });
    });
  const effects = async () => ((await dataSource.query(`SELECT timer_id FROM "${SCHEMA}".effects ORDER BY timer_id`)) as { timer_id: string }[]).map((r) => r.timer_id);
  const record = async (timer: FiredTimer, tx: EntityManager) => {
    await tx.query(`INSERT INTO "${SCHEMA}".effects (timer_id) VALUES ($1)`, [timer.id]);
  };

  /** A worker on this suite's schema with no per-timer handlers: `options` give its batch handlers and the rest. */
  const batchWorker = (clock: TestClock, options: Omit<ConstructorParameters<typeof TimerWorker>[0], 'dataSource' | 'schema' | 'clock' | 'logger' | 'handlers'>) =>
    new TimerWorker({ dataSource, schema: SCHEMA, clock, logger, handlers: {}, ...options });

  it('fires a claimed batch in one transaction: one commit for many timers', async () => {
    const clock = new TestClock(T0);
    const store = new TimerStore({ schema: SCHEMA, clock });
    await schedule(store, clock, Array.from({ length: 50 }, (_, i) => `b${String(i).padStart(2, '0')}`), 1_000);
    clock.advanceMs(1_000);
    let transactions = 0;
    const worker = new TimerWorker({
      dataSource,
      schema: SCHEMA,
      clock,
      logger,
      handlers: { test: record },
      batchSize: 100,
      runInTransaction: (work) => {
        transactions += 1;
        return inTransaction(dataSource, work);
      },
    });
    expect(await worker.runDue()).toBe(50);
    expect(transactions).toBe(1);
    expect(await effects()).toHaveLength(50);
    // Fired is deleted (docs/adr/0059): no row of the 50 is left, pending or otherwise.
    const left = (await dataSource.query(`SELECT count(*)::int AS n FROM "${SCHEMA}".timers`)) as { n: number }[];
    expect(left[0].n).toBe(0);
  });

  it('concurrency: a burst is fired by several batches at once, each timer once; a short batch still goes alone', async () => {
    const clock = new TestClock(T0);
    const store = new TimerStore({ schema: SCHEMA, clock });
    await schedule(store, clock, Array.from({ length: 60 }, (_, i) => `p${String(i).padStart(2, '0')}`), 1_000, 'lane');
    clock.advanceMs(1_000);
    const LANES = 3;
    let inFlight = 0;
    let maxInFlight = 0;
    let transactions = 0;
    // Every lane's batch waits until all lanes hold one: only batches fired at once get past it.
    let allLanesIn!: () => void;
    const lanesIn = new Promise<void>((resolve) => (allLanesIn = resolve));
    const worker = batchWorker(clock, {
      batchHandlers: {
        lane: async (timers, tx) => {
          if (transactions > 1) {
            if (inFlight >= LANES) allLanesIn();
            await Promise.race([lanesIn, new Promise((_, reject) => setTimeout(() => reject(new Error('batches never ran at once')), 5_000).unref())]);
          }
          await tx.query(`INSERT INTO "${SCHEMA}".effects (timer_id) SELECT unnest($1::text[])`, [timers.map((t) => t.id)]);
        },
      },
      batchSize: 10,
      concurrency: LANES,
      runInTransaction: async (work) => {
        transactions += 1;
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          return await inTransaction(dataSource, work);
        } finally {
          inFlight -= 1;
        }
      },
    });
    expect(await worker.runDue()).toBe(60);
    expect(maxInFlight).toBe(LANES);
    const fired = await effects();
    expect(fired).toHaveLength(60);
    expect(new Set(fired).size).toBe(60);
    // The first batch alone, five more full ones, and at most one short one per lane to end.
    expect(transactions).toBeGreaterThanOrEqual(6);
    expect(transactions).toBeLessThanOrEqual(1 + 5 + LANES);

    await schedule(store, clock, ['q1', 'q2'], 0, 'lane');
    transactions = 0;
    expect(await worker.runDue()).toBe(2);
    expect(transactions).toBe(1);
  });

  it('a failing handler in a batch delays only its own timer: the others fire, it is released with a backoff', async () => {
    const clock = new TestClock(T0);
    const store = new TimerStore({ schema: SCHEMA, clock });
    await schedule(store, clock, ['a1', 'a2', 'a3', 'poison', 'a4'], 1_000);
    clock.advanceMs(1_000);
    const worker = new TimerWorker({
      dataSource,
      schema: SCHEMA,
      clock,
      logger,
      handlers: {
        test: async (timer, tx) => {
          if (timer.id === 'poison') throw new Error('boom');
          await record(timer, tx);
        },
      },
      retryBackoffMs: () => 5_000,
    });
    expect(await worker.runDue()).toBe(4);
    expect(await effects()).toEqual(['a1', 'a2', 'a3', 'a4']);
    const [poison] = (await dataSource.query(`SELECT status, next_attempt_at, last_error FROM "${SCHEMA}".timers WHERE id = 'poison'`)) as {
      status: string;
      next_attempt_at: Date;
      last_error: string;
    }[];
    expect(poison.status).toBe('pending');
    expect(poison.last_error).toBe('boom');
    expect(poison.next_attempt_at.getTime()).toBe(clock.now().getTime() + 5_000);
  });

  it('a batch handler gets the claimed timers of its kind at once, in the firing transaction; a failing batch is retried timer by timer', async () => {
    const clock = new TestClock(T0);
    const store = new TimerStore({ schema: SCHEMA, clock });
    await schedule(store, clock, ['k1', 'k2', 'k3', 'bad'], 1_000, 'bulk');
    await schedule(store, clock, ['single'], 1_000);
    clock.advanceMs(1_000);
    const calls: string[][] = [];
    const worker = new TimerWorker({
      dataSource,
      schema: SCHEMA,
      clock,
      logger,
      handlers: { test: record },
      batchHandlers: {
        bulk: async (timers, tx) => {
          calls.push(timers.map((t) => t.id));
          if (timers.some((t) => t.id === 'bad')) throw new Error('bad in batch');
          await tx.query(`INSERT INTO "${SCHEMA}".effects (timer_id) SELECT unnest($1::text[])`, [timers.map((t) => t.id)]);
        },
      },
      retryBackoffMs: () => 5_000,
    });
    expect(await worker.runDue()).toBe(4);
    expect(calls).toEqual([['bad', 'k1', 'k2', 'k3'], ['bad'], ['k1'], ['k2'], ['k3']]);
    expect(await effects()).toEqual(['k1', 'k2', 'k3', 'single']);
  });

  it('claimLock (docs/adr/0054): the rows it names are locked by the claim\u2019s own statement and handed over before the batch handler, in that transaction', async () => {
    await dataSource.query(`CREATE TABLE IF NOT EXISTS "${SCHEMA}".owners (id text PRIMARY KEY, state text NOT NULL)`);
    await dataSource.query(`TRUNCATE "${SCHEMA}".owners`);
    await dataSource.query(`INSERT INTO "${SCHEMA}".owners (id, state) VALUES ('o1', 'open'), ('o2', 'open'), ('o3', 'untouched')`);
    const clock = new TestClock(T0);
    const store = new TimerStore({ schema: SCHEMA, clock });
    await inTransaction(dataSource, async (tx) => {
      for (const owner of ['o1', 'o2']) await store.schedule(tx, { id: `t-${owner}`, kind: 'owned', dueAt: new Date(clock.now().getTime() + 1_000), payload: { owner } });
    });
    clock.advanceMs(1_000);
    const took: { tx: EntityManager; rows: unknown[] }[] = [];
    let handled: string[] = [];
    const lockedElsewhere: string[] = [];
    /** The firing transaction's statements. */
    const sent: string[] = [];
    let sentBeforeHandler = -1;
    const worker = batchWorker(clock, {
      runInTransaction: (work) =>
        inTransaction(dataSource, (tx) => {
          const query = tx.query.bind(tx);
          tx.query = (sql: string, parameters?: unknown[]) => {
            sent.push(sql);
            return query(sql, parameters);
          };
          return work(tx);
        }),
      claimLock: {
        sql: (fired) => `SELECT row_to_json(o) AS row FROM "${SCHEMA}".owners o WHERE o.id IN (SELECT f.payload->>'owner' FROM ${fired} f) ORDER BY o.id FOR UPDATE OF o`,
        took: (tx, rows) => void took.push({ tx, rows: [...rows] }),
      },
      batchHandlers: {
        owned: async (timers, tx) => {
          sentBeforeHandler = sent.length;
          expect(took.map((t) => t.tx)).toEqual([tx]);
          // Held by this transaction now: another connection cannot take them, and can take the rest.
          const other = new Client({ connectionString: db.url });
          await other.connect();
          try {
            await other.query(`SET lock_timeout = '50ms'`);
            for (const id of ['o1', 'o2', 'o3'])
              await other.query(`SELECT id FROM "${SCHEMA}".owners WHERE id = $1 FOR UPDATE NOWAIT`, [id]).catch(() => lockedElsewhere.push(id));
          } finally {
            await other.end();
          }
          handled = timers.map((t) => t.id);
        },
      },
    });
    expect(await worker.runDue()).toBe(2);
    // The claim and the lock: one statement.
    expect(sentBeforeHandler).toBe(1);
    expect(sent[0]).toContain('FOR UPDATE OF o');
    expect(handled).toEqual(['t-o1', 't-o2']);
    expect(took).toHaveLength(1);
    expect(took[0].rows).toEqual([
      { id: 'o1', state: 'open' },
      { id: 'o2', state: 'open' },
    ]);
    expect(lockedElsewhere).toEqual(['o1', 'o2']);
  });

  it('a re-target that waits on a firing batch\u2019s row lock is not lost: the timer fires once, then is pending at its new time (docs/adr/0059)', async () => {
    const clock = new TestClock(T0);
    const store = new TimerStore({ schema: SCHEMA, clock });
    await schedule(store, clock, ['w1'], 1_000, 'batch');
    clock.advanceMs(1_000);
    const retargetTo = new Date(clock.now().getTime() + 60_000);
    const observer = new Client({ connectionString: db.url });
    await observer.connect();
    let retarget: Promise<void> | undefined;
    const worker = batchWorker(clock, {
      batchHandlers: {
        batch: async (timers, tx) => {
          if (!retarget) {
            // Another writer re-targets the timer this batch holds (deleted, not yet committed): it waits for the row.
            retarget = inTransaction(dataSource, (other) => store.schedule(other, { id: 'w1', kind: 'batch', dueAt: retargetTo }));
            await waitFor('the re-target waiting on the row lock', async () =>
              (await observer.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rowCount! > 0,
            );
          }
          for (const timer of timers) await record(timer, tx);
        },
      },
    });
    try {
      expect(await worker.runDue()).toBe(1);
      await retarget;
    } finally {
      await observer.end();
    }
    expect(await effects()).toEqual(['w1']);
    const rows = (await dataSource.query(`SELECT id, status, due_at FROM "${SCHEMA}".timers`)) as { id: string; status: string; due_at: Date }[];
    expect(rows).toEqual([{ id: 'w1', status: 'pending', due_at: retargetTo }]);
    expect(await worker.runDue()).toBe(0);
    clock.advanceMs(60_000);
    expect(await worker.runDue()).toBe(1);
    expect(await effects()).toEqual(['w1', 'w1']);
  });

  it('a firing transaction whose connection dies after its claim deletes nothing: its timers are pending again and fire once (docs/adr/0059)', async () => {
    const clock = new TestClock(T0);
    const store = new TimerStore({ schema: SCHEMA, clock });
    await schedule(store, clock, ['k1', 'k2', 'k3'], 1_000, 'batch');
    clock.advanceMs(1_000);
    const killer = new Client({ connectionString: db.url });
    await killer.connect();
    let cut = false;
    let seenInside: unknown;
    const worker = batchWorker(clock, {
      batchHandlers: {
        batch: async (timers, tx) => {
          if (!cut) {
            cut = true;
            // Claimed, so deleted as this transaction sees it; then its backend dies, as when the replica is killed.
            seenInside = await tx.query(`SELECT id FROM "${SCHEMA}".timers`);
            const [{ pid }] = (await tx.query('SELECT pg_backend_pid() AS pid')) as { pid: number }[];
            await killer.query('SELECT pg_terminate_backend($1)', [pid]);
            await tx.query('SELECT 1');
          }
          for (const timer of timers) await record(timer, tx);
        },
      },
    });
    try {
      expect(await worker.runDue()).toBe(3);
    } finally {
      await killer.end();
    }
    expect(cut).toBe(true);
    expect(seenInside).toEqual([]);
    expect(await effects()).toEqual(['k1', 'k2', 'k3']);
    expect(await dataSource.query(`SELECT id FROM "${SCHEMA}".timers`)).toEqual([]);
    expect(await worker.runDue()).toBe(0);
  });

  it('a timer re-targeted after the claim is left out of the batch; the rest fire', async () => {
    const clock = new TestClock(T0);
    const store = new TimerStore({ schema: SCHEMA, clock });
    await schedule(store, clock, ['r1', 'r2', 'r3'], 1_000);
    clock.advanceMs(1_000);
    const claimed = await store.claimDue(dataSource, { now: clock.now(), limit: 10, leaseMs: 60_000, owner: 'x' });
    await schedule(store, clock, ['r2'], 60_000);
    const completed = await inTransaction(dataSource, (tx) => store.completeAll(tx, claimed));
    expect([...completed].sort()).toEqual(['r1', 'r3']);
  });

  it('cancelAll deletes the pending timers of many ids in one statement; fired and unknown ids are nothing to it, none at all costs nothing', async () => {
    const clock = new TestClock(T0);
    const store = new TimerStore({ schema: SCHEMA, clock });
    await schedule(store, clock, ['c1', 'c2', 'c3', 'keep'], 60_000);
    await schedule(store, clock, ['done'], 0);
    expect((await inTransaction(dataSource, (tx) => store.fireDue(tx, { now: clock.now(), limit: 10 }))).map((t) => t.id)).toEqual(['done']);
    let statements = 0;
    const counting = (tx: EntityManager) => ({ query: (sql: string, params?: unknown[]) => ((statements += 1), tx.query(sql, params)) });
    const cancelled = await inTransaction(dataSource, (tx) => store.cancelAll(counting(tx), ['c1', 'c2', 'c3', 'c3', 'done', 'unknown']));
    expect([...cancelled].sort()).toEqual(['c1', 'c2', 'c3']);
    expect(statements).toBe(1);
    expect(await inTransaction(dataSource, (tx) => store.cancelAll(counting(tx), []))).toEqual(new Set());
    expect(statements).toBe(1);
    const left = (await dataSource.query(`SELECT id, status FROM "${SCHEMA}".timers ORDER BY id`)) as { id: string; status: string }[];
    expect(left).toEqual([{ id: 'keep', status: 'pending' }]);
  });

  it('the wake-up trigger notifies once per statement, and only when it wrote a new earliest claimable timer', async () => {
    const clock = new TestClock(T0);
    const store = new TimerStore({ schema: SCHEMA, clock });
    const listener = new Client({ connectionString: db.url });
    await listener.connect();
    let heard = 0;
    listener.on('notification', () => (heard += 1));
    await listener.query(`LISTEN "${timersChannel(SCHEMA)}"`);
    const heardAfter = async (write: () => Promise<unknown>): Promise<number> => {
      heard = 0;
      await write();
      // A NOTIFY is delivered at commit, before anything this listener asks afterwards is answered.
      await listener.query('SELECT 1');
      return heard;
    };
    try {
      expect(await heardAfter(() => schedule(store, clock, ['n1'], 60_000))).toBe(1); // the first pending timer
      expect(await heardAfter(() => schedule(store, clock, ['n2', 'n3'], 120_000))).toBe(0); // later than n1
      expect(await heardAfter(() => schedule(store, clock, ['n4'], 30_000))).toBe(1); // earlier than n1
      expect(await heardAfter(() => schedule(store, clock, ['n2'], 10_000))).toBe(1); // re-targeted earlier
      expect(
        await heardAfter(() =>
          dataSource.query(
            `INSERT INTO "${SCHEMA}".timers (id, kind, due_at, payload, next_attempt_at, scheduled_at)
             SELECT 'many:' || g, 'test', $1, '{}'::jsonb, $1, $2 FROM generate_series(1, 5000) AS g`,
            [new Date(Date.parse(T0) + 5_000), clock.now()],
          ),
        ),
      ).toBe(1); // 5,000 rows in one statement, one notification
      expect(await heardAfter(() => inTransaction(dataSource, (tx) => store.cancel(tx, 'n3')))).toBe(0);
    } finally {
      await listener.end();
    }
  });

  it('#14: counts fired timers by kind and timeliness, and observes lateness and claim batch sizes', async () => {
    const clock = new TestClock(T0);
    const store = new TimerStore({ schema: SCHEMA, clock });
    const labels = { schema: SCHEMA, kind: 'metrics' };
    const before = {
      onTime: (await sample('tss_timers_fired_total', { ...labels, timeliness: 'on_time' })) ?? 0,
      late: (await sample('tss_timers_fired_total', { ...labels, timeliness: 'late' })) ?? 0,
      latenessCount: (await sample('tss_timer_lateness_seconds_count', labels)) ?? 0,
      under10Ms: (await sample('tss_timer_lateness_seconds_bucket', { ...labels, le: '0.01' })) ?? 0,
      batches: (await sample('tss_timer_claim_batch_size_count', { schema: SCHEMA })) ?? 0,
      batchedTimers: (await sample('tss_timer_claim_batch_size_sum', { schema: SCHEMA })) ?? 0,
    };
    await schedule(store, clock, ['m1', 'm2'], 1_000, 'metrics');
    await schedule(store, clock, ['m3'], 60_000, 'metrics');
    const worker = new TimerWorker({ dataSource, schema: SCHEMA, clock, logger, handlers: { metrics: record } });
    clock.advanceMs(2_000); // m1, m2 fire 1 s late (over the 250 ms default)
    expect(await worker.runDue()).toBe(2);
    clock.advanceMs(58_000); // m3 fires at its due time
    expect(await worker.runDue()).toBe(1);
    expect(await sample('tss_timers_fired_total', { ...labels, timeliness: 'late' })).toBe(before.late + 2);
    expect(await sample('tss_timers_fired_total', { ...labels, timeliness: 'on_time' })).toBe(before.onTime + 1);
    expect(await sample('tss_timer_lateness_seconds_count', labels)).toBe(before.latenessCount + 3);
    expect(await sample('tss_timer_lateness_seconds_bucket', { ...labels, le: '0.01' })).toBe(before.under10Ms + 1);
    expect(await sample('tss_timer_claim_batch_size_count', { schema: SCHEMA })).toBe(before.batches + 2);
    expect(await sample('tss_timer_claim_batch_size_sum', { schema: SCHEMA })).toBe(before.batchedTimers + 3);
  });

  it('#14: the timers due and the age of the oldest are read at scrape, through the partial index', async () => {
    const clock = new TestClock(T0);
    const store = new TimerStore({ schema: SCHEMA, clock });
    await schedule(store, clock, ['d1', 'd2'], -30_000);
    await schedule(store, clock, ['d3'], -5_000);
    await schedule(store, clock, ['later'], 60_000);
    expect(await store.due(dataSource, clock.now())).toEqual({ count: 3, earliest: new Date(Date.parse(T0) - 30_000) });
    expect((await store.due(dataSource, clock.now(), 2)).count).toBe(2);

    // A started worker reports its schema (its clock is another schema's here, so it fires nothing of these).
    const stop = reportDueTimers({
      service: 'timers-test',
      schema: SCHEMA,
      due: async () => {
        const { count, earliest } = await store.due(dataSource, clock.now());
        return { count, oldestAgeSeconds: earliest ? (clock.now().getTime() - earliest.getTime()) / 1_000 : 0 };
      },
    });
    try {
      expect(await sample('tss_timers_due', { schema: SCHEMA })).toBe(3);
      expect(await sample('tss_timers_oldest_due_age_seconds', { schema: SCHEMA })).toBe(30);
      const worker = new TimerWorker({ dataSource, schema: SCHEMA, clock, logger, handlers: { test: record } });
      expect(await worker.runDue()).toBe(3);
      expect(await sample('tss_timers_due', { schema: SCHEMA })).toBe(0);
      expect(await sample('tss_timers_oldest_due_age_seconds', { schema: SCHEMA })).toBe(0);
    } finally {
      stop();
    }
  });

  it('#14: a started worker reports its schema at scrape: a due timer it cannot claim (row-locked elsewhere) shows as due', async () => {
    const clock = new TestClock(T0);
    const store = new TimerStore({ schema: SCHEMA, clock });
    await schedule(store, clock, ['held'], -10_000);
    const holder = dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    await holder.query(`SELECT id FROM "${SCHEMA}".timers WHERE id = 'held' FOR UPDATE`);
    const worker = new TimerWorker({ dataSource, schema: SCHEMA, clock, logger, handlers: { test: record }, maxSleepMs: 60_000 });
    try {
      worker.start();
      expect(await sample('tss_timers_due', { schema: SCHEMA })).toBe(1);
      expect(await sample('tss_timers_oldest_due_age_seconds', { schema: SCHEMA })).toBe(10);
      expect(await worker.runDue()).toBe(0); // SKIP LOCKED: the held row is not this worker's to claim
    } finally {
      await worker.stop();
      await holder.rollbackTransaction();
      await holder.release();
    }
  });
});
