import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { createServiceDataSource } from '../src/data-source';
import { createTestDatabase, type TestDatabase } from '../src/testing';

// docs/adr/0091: a pooled connection idle between a load's bursts is kept, not closed after pg's
// own 10 s and opened again (a new backend: cold caches, no prepared statement). The pool's idle
// timers run on jest's clock; the connections and statements are real.
describe("a service data source's pool keeps idle connections (docs/adr/0091)", () => {
  let db: TestDatabase;
  let dataSource: DataSource | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('pool_idle_timeout', { from: 'empty' });
  });

  afterEach(async () => {
    jest.useRealTimers();
    await dataSource?.destroy();
    dataSource = undefined;
  });

  afterAll(async () => {
    await db?.drop();
  });

  /** Opens the data source with the pool's timers on jest's clock (the sockets stay real). */
  const open = async (options: { idleTimeoutMs?: number }): Promise<{ ds: DataSource; pool: Pool }> => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'Date', 'performance', 'hrtime'] });
    const ds = createServiceDataSource({ url: db.url, schema: 'public', poolSize: 3, ...options });
    await ds.initialize();
    dataSource = ds;
    return { ds, pool: (ds.driver as unknown as { master: Pool }).master };
  };

  /** Three statements at once, so the pool holds three connections: their backends' pids. */
  const burst = async (ds: DataSource): Promise<number[]> =>
    (
      await Promise.all(
        [1, 2, 3].map(async () => ((await ds.query('SELECT pg_backend_pid() AS pid, pg_sleep(0.05)')) as { pid: number }[])[0].pid),
      )
    ).sort((a, b) => a - b);

  it('by default, keeps a connection idle for minutes: the next burst runs on the same backends, and only ten minutes close them', async () => {
    const { ds, pool } = await open({});
    const first = await burst(ds);
    expect(new Set(first).size).toBe(3);

    // Longer than pg's own default (10 s) and than a quiet minute between bursts.
    jest.advanceTimersByTime(5 * 60_000);
    expect(pool.totalCount).toBe(3);
    expect(await burst(ds)).toEqual(first);

    jest.advanceTimersByTime(10 * 60_000);
    expect(pool.totalCount).toBe(0);
    const reopened = await burst(ds);
    expect(reopened.filter((pid) => first.includes(pid))).toEqual([]);
  });

  it('closes a connection idle for the bound it is given (DB_POOL_IDLE_TIMEOUT_MS)', async () => {
    const { ds, pool } = await open({ idleTimeoutMs: 30_000 });
    const first = await burst(ds);
    jest.advanceTimersByTime(29_000);
    expect(pool.totalCount).toBe(3);
    jest.advanceTimersByTime(2_000);
    expect(pool.totalCount).toBe(0);
    expect((await burst(ds)).filter((pid) => first.includes(pid))).toEqual([]);
  });
});
