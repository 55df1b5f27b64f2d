import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { freePort, waitFor } from '@tss/service-kit/testing';
import { connectionTrap, type ConnectionTrap } from '../support/connection-trap';
import { entryPointArgs } from '@tss/runtime/testing';

const REPO = path.resolve(__dirname, '../../../..');

// Issue #8, docs/adr/0020: a service process listens as soon as its routes are ready and joins its
// consumer group after, retrying while the broker is away; readiness is the database only.
describe('start-up: a consumer service listens first, whatever the broker does', () => {
  let db: TestDatabase;
  let broker: ConnectionTrap;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    db = await createTestDatabase('listen_first');
    broker = await connectionTrap();
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    await broker?.close();
    await db?.drop();
  }, 60_000);

  it('answers /healthz and /readyz while Kafka is unreachable, keeps running, and keeps trying the broker', async () => {
    const port = await freePort();
    child = spawn(process.execPath, entryPointArgs(path.join(REPO, 'services/sla-timer/src/main.ts')), {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: db.url,
        KAFKA_BROKERS: broker.address,
        PORT: String(port),
        METRICS_PORT: '0',
        TSS_JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const base = `http://127.0.0.1:${port}`;

    const ready = await waitFor(
      'the service to answer /readyz',
      async () => {
        if (child?.exitCode !== null) throw new Error(`sla-timer exited with ${child?.exitCode}:\n${output}`);
        const response = await fetch(`${base}/readyz`).catch(() => undefined);
        return response?.status === 200 ? response : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );

    expect(await ready.json()).toMatchObject({ checks: { 'sla-timer:database': 'ok' } });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    // Still trying the broker, still alive: consumption starts whenever Kafka answers.
    await waitFor('another attempt at the broker', () => broker.connections() > 1, { timeoutMs: 30_000 });
    expect(child.exitCode).toBeNull();
  }, 120_000);
});
