import { Client } from 'pg';
import pino from 'pino';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { createServiceDataSource, inTransaction, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { TimerStore, TimerWorker, timersChannel, timersMigrations, type FiredTimer } from '../src';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const SCHEMA = 'timers_notify_busy';
/** The same table under the migrations before 1765400100000: the gap this suite closes. */
const OLD_SCHEMA = 'timers_notify_before';
const T0 = '2026-03-02T09:00:00.000Z';
/** Far longer than any wait below: a firing within them cannot have come from the fallback poll. */
const FALLBACK_SLEEP_MS = 60_000;

describe('the wake-up trigger while a worker is firing (issue #15, docs/adr/0046)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let oldDataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('timers_notify_busy', { from: 'empty' });
    dataSource = createServiceDataSource({ url: db.url, schema: SCHEMA, migrations: timersMigrations(SCHEMA) });
    await initializeAndMigrate(dataSource);
    oldDataSource = createServiceDataSource({ url: db.url, schema: OLD_SCHEMA, migrations: timersMigrations(OLD_SCHEMA).slice(0, -1) });
    await initializeAndMigrate(oldDataSource);
    await dataSource.query(`CREATE TABLE "${SCHEMA}".effects (timer_id text NOT NULL)`);
  });

  beforeEach(async () => {
    await dataSource.query(`TRUNCATE "${SCHEMA}".timers, "${SCHEMA}".effects`);
    await oldDataSource.query(`TRUNCATE "${OLD_SCHEMA}".timers`);
  });

  afterAll(async () => {
    await oldDataSource?.destroy();
    await dataSource?.destroy();
    await db?.drop();
  });

  const at = (clock: TestClock, ms: number) => new Date(clock.now().getTime() + ms);

  /** A LISTEN connection counting notifications on a schema's channel. */
  const listen = async (schema: string) => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    let heard = 0;
    client.on('notification', () => (heard += 1));
    await client.query(`LISTEN "${timersChannel(schema)}"`);
    return {
      /** Notifications from what `write` committed: one delivered at commit arrives before this client's next answer. */
      heardAfter: async (write: () => Promise<unknown>): Promise<number> => {
        heard = 0;
        await write();
        await client.query('SELECT 1');
        return heard;
      },
      end: () => client.end(),
    };
  };

  /** A worker's firing transaction, left open: the due timers it took are row-locked and, to everyone else, still pending. */
  const firingInProgress = async (source: DataSource, store: TimerStore, now: Date): Promise<{ fired: string[]; runner: QueryRunner }> => {
    const runner = source.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    const fired = (await store.fireDue(runner.manager, { now, limit: 100 })).map((t) => t.id);
    return { fired, runner };
  };

  const scheduleOne = (source: DataSource, store: TimerStore, id: string, dueAt: Date) => inTransaction(source, (tx) => store.schedule(tx, { id, kind: 'test', dueAt }));

  for (const variant of [
    { name: 'notifies', schema: SCHEMA, source: () => dataSource, expected: 1 },
    { name: 'the migrations before it stay silent (the gap)', schema: OLD_SCHEMA, source: () => oldDataSource, expected: 0 },
  ]) {
    it(`a timer written while a worker holds due timers ${variant.name}: due now, and due soon`, async () => {
      const clock = new TestClock(T0);
      const store = new TimerStore({ schema: variant.schema, clock });
      const source = variant.source();
      await scheduleOne(source, store, 'busy', at(clock, -1_000));
      const listener = await listen(variant.schema);
      const firing = await firingInProgress(source, store, clock.now());
      try {
        expect(firing.fired).toEqual(['busy']);
        expect(await listener.heardAfter(() => scheduleOne(source, store, 'due-now', clock.now()))).toBe(variant.expected);
        expect(await listener.heardAfter(() => scheduleOne(source, store, 'due-soon', at(clock, 5_000)))).toBe(variant.expected);
      } finally {
        await firing.runner.rollbackTransaction();
        await firing.runner.release();
        await listener.end();
      }
    });
  }

  it('idle churn stays silent: a timer later than every pending one, none due, notifies no one; a new earliest still does', async () => {
    const clock = new TestClock(T0);
    const store = new TimerStore({ schema: SCHEMA, clock });
    const listener = await listen(SCHEMA);
    try {
      expect(await listener.heardAfter(() => scheduleOne(dataSource, store, 'first', at(clock, 60_000)))).toBe(1);
      expect(await listener.heardAfter(() => scheduleOne(dataSource, store, 'later', at(clock, 120_000)))).toBe(0);
      expect(await listener.heardAfter(() => scheduleOne(dataSource, store, 'earlier', at(clock, 30_000)))).toBe(1);
      // Once the earliest is due by the writer's clock (a worker is behind or busy), every write tells it.
      clock.advanceMs(30_000);
      expect(await listener.heardAfter(() => scheduleOne(dataSource, store, 'much-later', at(clock, 3_600_000)))).toBe(1);
      // A statement that only fires or cancels timers writes no claimable one: silent.
      expect(await listener.heardAfter(() => inTransaction(dataSource, (tx) => store.fireDue(tx, { now: clock.now(), limit: 10 })))).toBe(0);
      expect(await listener.heardAfter(() => inTransaction(dataSource, (tx) => store.cancel(tx, 'later')))).toBe(0);
    } finally {
      await listener.end();
    }
  });

  it('a worker that read its next wake-up while another transaction was writing a due timer is woken at that commit, not by the poll', async () => {
    const clock = new TestClock(T0);
    const store = new TimerStore({ schema: SCHEMA, clock });
    await scheduleOne(dataSource, store, 'busy', at(clock, -1_000));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firing!: () => void;
    const busyFiring = new Promise<void>((resolve) => (firing = resolve));
    const record = async (timer: FiredTimer, tx: EntityManager) => {
      if (timer.id === 'busy') {
        firing();
        await gate; // the worker's batch is in progress: 'busy' row-locked, uncommitted
      }
      await tx.query(`INSERT INTO "${SCHEMA}".effects (timer_id) VALUES ($1)`, [timer.id]);
    };
    const worker = new TimerWorker({ dataSource, schema: SCHEMA, clock, logger, handlers: { test: record }, maxSleepMs: FALLBACK_SLEEP_MS, retention: false });
    const writer = dataSource.createQueryRunner();
    await writer.connect();
    try {
      worker.start();
      await busyFiring;
      // Another replica writes a timer due now while the batch runs; it commits only after the
      // worker has finished the batch and read its next wake-up (which cannot see it yet).
      await writer.startTransaction();
      await store.schedule(writer.manager, { id: 'new', kind: 'test', dueAt: clock.now() });
      release();
      await waitFor('the worker to go to sleep with nothing pending it can see', () => worker.sleepingUntil === null, { timeoutMs: 5_000 });
      await writer.commitTransaction();
      const started = performance.now();
      await waitFor('the new timer, well before the fallback poll', async () => (await dataSource.query(`SELECT 1 FROM "${SCHEMA}".effects WHERE timer_id = 'new'`)).length === 1, {
        timeoutMs: 5_000,
      });
      process.stdout.write(`timers: commit to fire of a timer written during a batch ${Math.round(performance.now() - started)} ms with a ${FALLBACK_SLEEP_MS} ms fallback\n`);
      expect(((await dataSource.query(`SELECT timer_id FROM "${SCHEMA}".effects ORDER BY timer_id`)) as { timer_id: string }[]).map((r) => r.timer_id)).toEqual(['busy', 'new']);
    } finally {
      release();
      if (writer.isTransactionActive) await writer.rollbackTransaction();
      await writer.release();
      await worker.stop();
    }
  });
});
