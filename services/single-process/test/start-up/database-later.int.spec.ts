import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedPostgres } from '@tss/persistence';
import { freePort, waitFor } from '@tss/service-kit/testing';
import { connectionTrap, type ConnectionTrap } from '../support/connection-trap';
import { entryPointArgs } from '@tss/runtime/testing';

const REPO = path.resolve(__dirname, '../../../..');

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>;
}

/** sla-timer as its own process, with exactly `env` besides what every start needs. */
const startSlaTimer = (env: Record<string, string>): Started => {
  let output = '';
  const child = spawn(process.execPath, entryPointArgs(path.join(REPO, 'services/sla-timer/src/main.ts')), {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', METRICS_PORT: '0', TSS_JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null, atMs: performance.now() }));
  return { child, output: () => output, exited };
};

const stillRunning = (started: Started): true => {
  if (started.child.exitCode !== null || started.child.signalCode !== null) throw new Error(`sla-timer exited with ${started.child.exitCode ?? started.child.signalCode}:\n${started.output()}`);
  return true;
};

// DESIGN: services start and recover whatever the order in which services start, stop or crash.
describe('start-up: a service process started before PostgreSQL waits for it', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-pg-later-'));
  let broker: ConnectionTrap;
  const children: Started[] = [];
  let pg: EmbeddedPostgres | undefined;

  beforeAll(async () => {
    broker = await connectionTrap();
  });

  afterAll(async () => {
    for (const started of children) {
      if (started.child.exitCode === null && started.child.signalCode === null) {
        started.child.kill('SIGKILL');
        await started.exited;
      }
    }
    await broker?.close();
    await pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('waits while PostgreSQL is not there yet, and is ready once it comes up', async () => {
    const pgPort = await freePort();
    pg = new EmbeddedPostgres({ dataDir, port: pgPort, fsync: false });
    const port = await freePort();
    const started = startSlaTimer({ DATABASE_URL: pg.tcpUrl(), MIGRATE_ON_START: 'true', KAFKA_BROKERS: broker.address, PORT: String(port) });
    children.push(started);

    await waitFor('the wait for PostgreSQL to be logged', () => stillRunning(started) && started.output().includes('waiting for PostgreSQL'), { timeoutMs: 60_000, intervalMs: 50 });
    await pg.start();

    const ready = await waitFor(
      'the service to answer /readyz',
      async () => {
        stillRunning(started);
        const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        return response?.status === 200 ? response : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    expect(await ready.json()).toMatchObject({ checks: { 'sla-timer:database': 'ok' } });
    expect(started.output()).toContain('PostgreSQL accepts connections');
  }, 180_000);

  it('gives up after DB_CONNECT_TIMEOUT_MS with a message naming it, exit 1', async () => {
    const nobody = await freePort();
    const startedAt = performance.now();
    const started = startSlaTimer({ DATABASE_URL: `postgres://tss:secret@127.0.0.1:${nobody}/tss`, DB_CONNECT_TIMEOUT_MS: '3000', KAFKA_BROKERS: broker.address, PORT: String(await freePort()) });
    children.push(started);

    const exit = await started.exited;
    expect(exit.code).toBe(1);
    expect(exit.atMs - startedAt).toBeGreaterThanOrEqual(3_000);
    expect(started.output()).toContain('waiting for PostgreSQL');
    expect(started.output()).toMatch(/PostgreSQL \(DATABASE_URL\) did not accept connections within 3000 ms \(DB_CONNECT_TIMEOUT_MS\).*ECONNREFUSED/);
    expect(started.output()).not.toContain('secret');
  }, 60_000);

  it('stops at once on SIGTERM while it waits', async () => {
    const nobody = await freePort();
    const started = startSlaTimer({ DATABASE_URL: `postgres://tss:secret@127.0.0.1:${nobody}/tss`, KAFKA_BROKERS: broker.address, PORT: String(await freePort()) });
    children.push(started);
    await waitFor('the wait for PostgreSQL to be logged', () => stillRunning(started) && started.output().includes('waiting for PostgreSQL'), { timeoutMs: 60_000, intervalMs: 50 });

    const signalledAt = performance.now();
    started.child.kill('SIGTERM');
    const exit = await started.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.atMs - signalledAt).toBeLessThan(2_000);
  }, 60_000);
});
