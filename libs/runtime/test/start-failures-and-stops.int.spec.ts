import { createServer, type Server } from 'node:net';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { freePort, waitFor } from '@tss/service-kit/testing';
import { startFixture, type StartedFixture } from './support/fixture-process';

const STACK_FRAME = /^\s+at /m;
const JWKS = 'http://127.0.0.1:1/.well-known/jwks.json';

/** What every services-mode start needs besides its database: a broker address and ports. */
const serving = async (databaseUrl: string, more: Record<string, string> = {}) => ({
  DATABASE_URL: databaseUrl,
  KAFKA_BROKERS: `127.0.0.1:${await freePort()}`,
  TSS_JWKS_URL: JWKS,
  PORT: String(await freePort()),
  ...more,
});

describe('a services-mode process: what it says when it stops before it started, or cannot start', () => {
  const started: StartedFixture[] = [];
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('runtime_start_failures', { from: 'empty' });
  });

  afterAll(async () => {
    await Promise.all(started.map((s) => s.kill()));
    await db?.drop();
  }, 60_000);

  // An operator's SIGTERM while Kafka was unreachable logged `closed workers:start`, then
  // `consuming and publishing events`: the consumer's start had failed and waited to retry, the
  // stop ended that wait, the aborted start resolved, and a `.then` on it said so.
  it('stopped between two tries to reach Kafka, it never says it is consuming', async () => {
    const env = await serving(db.url, { MIGRATE_ON_START: 'true', SHUTDOWN_TIMEOUT_MS: '10000' });
    const fixture = startFixture([], env);
    started.push(fixture);
    // kafkajs gives up a connection after its own retries (some 40 s); the start then waits 1 s to try again.
    await waitFor('the consumer to have failed to start once', () => fixture.running() && fixture.output().includes('consumer could not start; retrying'), {
      timeoutMs: 120_000,
      intervalMs: 20,
    });

    fixture.child.kill('SIGTERM');
    const exit = await fixture.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    const messages = fixture
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { msg: string; component?: string }));
    expect(messages).toContainEqual(expect.objectContaining({ msg: 'closed', component: 'workers:start' }));
    expect(messages.map((m) => m.msg)).not.toContain('consuming and publishing events');
  }, 180_000);

  it('PostgreSQL unreachable for DB_CONNECT_TIMEOUT_MS: one line, no stack', async () => {
    const fixture = startFixture([], await serving(`postgres://tss:secret@127.0.0.1:${await freePort()}/tss`, { DB_CONNECT_TIMEOUT_MS: '1000' }));
    started.push(fixture);
    expect((await fixture.exited).code).toBe(1);
    expect(fixture.stderr()).toMatch(/^fixture failed to start: PostgreSQL \(DATABASE_URL\) did not accept connections within 1000 ms \(DB_CONNECT_TIMEOUT_MS\), \d+ attempts; last: .*ECONNREFUSED[^\n]*\n$/);
    expect(fixture.output()).not.toMatch(STACK_FRAME);
  }, 60_000);

  it('a wrong password: one line naming what PostgreSQL said, no stack; `migrate` says the migration failed', async () => {
    const wrong = new URL(db.url);
    wrong.password = 'not-the-password';
    const fixture = startFixture([], await serving(wrong.toString()));
    const migrate = startFixture(['migrate'], { DATABASE_URL: wrong.toString() });
    started.push(fixture, migrate);
    expect((await fixture.exited).code).toBe(1);
    expect((await migrate.exited).code).toBe(1);
    const said = `PostgreSQL refused DATABASE_URL: password authentication failed for user "${decodeURIComponent(wrong.username)}" (SQLSTATE 28P01)`;
    expect(fixture.stderr()).toBe(`fixture failed to start: ${said}\n`);
    expect(migrate.stderr()).toBe(`fixture migration failed: ${said}\n`);
    for (const output of [fixture.output(), migrate.output()]) {
      expect(output).not.toMatch(STACK_FRAME);
      expect(output).not.toContain('not-the-password');
    }
  }, 60_000);

  it('a missing database: one line; with LOG_LEVEL=debug the stack follows it', async () => {
    const missing = new URL(db.url);
    missing.pathname = '/no_such_database';
    const quiet = startFixture([], await serving(missing.toString()));
    const verbose = startFixture([], await serving(missing.toString(), { LOG_LEVEL: 'debug' }));
    started.push(quiet, verbose);
    expect((await quiet.exited).code).toBe(1);
    expect((await verbose.exited).code).toBe(1);
    const said = 'fixture failed to start: PostgreSQL refused DATABASE_URL: database "no_such_database" does not exist (SQLSTATE 3D000)';
    expect(quiet.stderr()).toBe(`${said}\n`);
    expect(verbose.stderr().startsWith(`${said}\n`)).toBe(true);
    expect(verbose.stderr()).toMatch(STACK_FRAME);
  }, 60_000);

  // A busy port or a HOST that does not resolve failed with `listen EADDRINUSE …` and its stack,
  // like a crash (docs/adr/0015, addendum of 2026-12-05, fourth session).
  it('a busy PORT or METRICS_PORT, or a HOST that does not resolve: one line naming the setting and what happened, no stack', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = String((busy.address() as { port: number }).port);
    try {
      const migrated = { MIGRATE_ON_START: 'true' };
      const onPort = startFixture([], await serving(db.url, { ...migrated, PORT: port }));
      const onMetrics = startFixture([], await serving(db.url, { ...migrated, METRICS_PORT: port }));
      const nowhere = startFixture([], await serving(db.url, { ...migrated, HOST: 'nosuch.invalid' }));
      const verbose = startFixture([], await serving(db.url, { ...migrated, PORT: port, LOG_LEVEL: 'debug' }));
      started.push(onPort, onMetrics, nowhere, verbose);
      const exits = await Promise.all([onPort, onMetrics, nowhere, verbose].map((f) => f.exited));
      expect(exits.map((e) => e.code)).toEqual([1, 1, 1, 1]);
      expect(onPort.stderr()).toBe(`fixture failed to start: PORT ${port} on 127.0.0.1 is in use (EADDRINUSE): another process listens there\n`);
      expect(onMetrics.stderr()).toBe(`fixture failed to start: METRICS_PORT ${port} on 127.0.0.1 is in use (EADDRINUSE): another process listens there\n`);
      expect(nowhere.stderr()).toMatch(/^fixture failed to start: HOST nosuch\.invalid does not resolve to an address \((ENOTFOUND|EAI_AGAIN)\)\n$/);
      for (const fixture of [onPort, onMetrics, nowhere]) expect(fixture.output()).not.toMatch(STACK_FRAME);
      expect(verbose.stderr().startsWith(`fixture failed to start: PORT ${port} on 127.0.0.1 is in use (EADDRINUSE): another process listens there\n`)).toBe(true);
      expect(verbose.stderr()).toMatch(STACK_FRAME);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  }, 120_000);
});
