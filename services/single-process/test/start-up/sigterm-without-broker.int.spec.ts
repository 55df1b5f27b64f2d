import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { freePort, waitFor } from '@tss/service-kit/testing';
import { entryPointArgs } from '@tss/runtime/testing';

const REPO = path.resolve(__dirname, '../../../..');

// An outside test: SIGTERM while Kafka was away hung for the whole SHUTDOWN_TIMEOUT_MS and exited 1
// ("shutdown timed out", waitingFor "workers:start"): the stop awaited the consumer's start, which
// was inside kafkajs's connection retries (disconnecting does not end them), and so was a relay
// publishing the outbox. Nothing reached the broker, so nothing is to drain: exit 0 at once, and the
// outbox keeps its rows for the next start.
describe('start-up: SIGTERM while the broker is away stops at once', () => {
  let db: TestDatabase;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    db = await createTestDatabase('sigterm_without_broker');
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
    await db?.drop();
  }, 60_000);

  it('exits 0 well within SHUTDOWN_TIMEOUT_MS while its consumer is still trying to reach Kafka', async () => {
    const port = await freePort();
    // A real refusal: a free port on which nothing listens.
    const closedBrokerPort = await freePort();
    child = spawn(process.execPath, entryPointArgs(path.join(REPO, 'services/rating/src/main.ts')), {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: db.url,
        MIGRATE_ON_START: 'true',
        KAFKA_BROKERS: `127.0.0.1:${closedBrokerPort}`,
        PORT: String(port),
        METRICS_PORT: '0',
        SHUTDOWN_TIMEOUT_MS: '10000',
        TSS_JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null, atMs: performance.now() }));

    await waitFor(
      'the service to answer /readyz',
      async () => {
        if (child?.exitCode !== null) throw new Error(`rating exited with ${child?.exitCode}:\n${output}`);
        const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        return response?.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    // An event filed during the outage: the relay reads it and hands it to kafkajs, which retries.
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    try {
      const id = randomUUID();
      await sql.query(
        `INSERT INTO rating.outbox (event_id, event_type, topic, message_key, event, created_at) VALUES ($1, 'rating.requested', 'rating', $2, $3, now())`,
        [id, 'ticket-1', JSON.stringify({ id, type: 'rating.requested', subject: 'ticket-1', data: {} })],
      );
      await waitFor(
        'the relay to have read the event (its session idle after reading the outbox: publishing)',
        async () =>
          (
            await sql.query(
              `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'rating:outbox-relay' AND state = 'idle' AND query LIKE '%WHERE published_at IS NULL%'`,
            )
          ).rowCount === 1,
        { timeoutMs: 30_000, intervalMs: 50 },
      );
    } finally {
      await sql.end();
    }
    await waitFor(
      'the service to find Kafka unreachable',
      async () => {
        if (child?.exitCode !== null) throw new Error(`rating exited with ${child?.exitCode}:\n${output}`);
        if (!output.includes('Kafka unreachable')) return false;
        const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        return response?.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(output).not.toContain('consuming and publishing events');

    const signalledAt = performance.now();
    child.kill('SIGTERM');
    const exit = await exited;
    expect(output).not.toContain('shutdown timed out');
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.atMs - signalledAt).toBeLessThan(3_000);
    const after = new Client({ connectionString: db.url });
    await after.connect();
    const [{ n }] = (await after.query('SELECT count(*)::int AS n FROM rating.outbox WHERE published_at IS NULL')).rows;
    await after.end();
    expect(n).toBe(1);
  }, 120_000);
});
