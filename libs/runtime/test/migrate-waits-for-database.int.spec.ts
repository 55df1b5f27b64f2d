import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres } from '@tss/persistence';
import { freePort, waitFor } from '@tss/service-kit/testing';
import { startFixture, type StartedFixture } from './support/fixture-process';

// The chart runs `main.js migrate` as a pre-install/pre-upgrade hook Job (backoffLimit 1). It did
// not wait for PostgreSQL as a service does: on a closed port it exited 1 after a second with
// "failed to start: Error: connect ECONNREFUSED" and a stack, so a database that came up a minute
// after the release started failed the release.
describe('`main.js migrate` waits for PostgreSQL as a starting service does (DB_CONNECT_TIMEOUT_MS)', () => {
  const started: StartedFixture[] = [];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-migrate-later-'));
  let pg: EmbeddedPostgres | undefined;

  afterAll(async () => {
    await Promise.all(started.map((s) => s.kill()));
    await pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('gives up after DB_CONNECT_TIMEOUT_MS, exit 1, saying in one line that the migration failed and why', async () => {
    const migrate = startFixture(['migrate'], { DATABASE_URL: `postgres://tss:secret@127.0.0.1:${await freePort()}/tss`, DB_CONNECT_TIMEOUT_MS: '3000' });
    started.push(migrate);
    // The first attempt is refused at once: the wait starts when it is logged.
    const waitingAt = await waitFor('the wait for PostgreSQL to be logged', () => (migrate.output().includes('waiting for PostgreSQL') ? performance.now() : undefined), {
      timeoutMs: 30_000,
      intervalMs: 20,
    }).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; output:\n${migrate.output()}`);
    });

    const exit = await migrate.exited;
    expect(exit.code).toBe(1);
    expect(exit.atMs - waitingAt).toBeGreaterThanOrEqual(2_500);
    // One line: what failed and why, no stack (start-failures-and-stops.int.spec.ts).
    expect(migrate.stderr()).toMatch(/^fixture migration failed: PostgreSQL \(DATABASE_URL\) did not accept connections within 3000 ms \(DB_CONNECT_TIMEOUT_MS\), \d+ attempts; last: .*ECONNREFUSED[^\n]*\n$/);
    expect(migrate.output()).not.toContain('failed to start');
    expect(migrate.output()).not.toContain('secret');
  }, 60_000);

  it('stopped while it waits, it exits at once with 1: nothing was migrated', async () => {
    const migrate = startFixture(['migrate'], { DATABASE_URL: `postgres://tss:secret@127.0.0.1:${await freePort()}/tss` });
    started.push(migrate);
    await waitFor('the wait for PostgreSQL to be logged', () => migrate.running() && migrate.output().includes('waiting for PostgreSQL'), { timeoutMs: 30_000, intervalMs: 20 });

    const signalledAt = performance.now();
    migrate.child.kill('SIGTERM');
    const exit = await migrate.exited;
    expect(exit).toMatchObject({ code: 1, signal: null });
    expect(exit.atMs - signalledAt).toBeLessThan(2_000);
    expect(migrate.output()).toContain('stopping while waiting for PostgreSQL');
  }, 60_000);

  it('migrates once PostgreSQL comes up, then exits 0', async () => {
    pg = new EmbeddedPostgres({ dataDir, port: await freePort(), fsync: false });
    const migrate = startFixture(['migrate'], { DATABASE_URL: pg.tcpUrl(), LOG_LEVEL: 'info' });
    started.push(migrate);
    await waitFor('the wait for PostgreSQL to be logged', () => migrate.running() && migrate.output().includes('waiting for PostgreSQL'), { timeoutMs: 60_000, intervalMs: 50 });

    await pg.start();
    const exit = await migrate.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(migrate.output()).toContain('PostgreSQL accepts connections');
    expect(migrate.output()).toContain('migrations applied');
    const sql = new Client({ connectionString: pg.tcpUrl() });
    await sql.connect();
    try {
      const { rows } = await sql.query(`SELECT to_regclass('runtime_fixture.outbox') IS NOT NULL AS migrated`);
      expect(rows).toEqual([{ migrated: true }]);
    } finally {
      await sql.end();
    }
  }, 180_000);
});
