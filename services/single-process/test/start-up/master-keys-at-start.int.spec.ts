import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { TestClock } from '@tss/service-kit/testing';
import { startSingleProcessPlatform } from '../../src/single-process-platform';
import { entry, runUntilServing as run, type EntryRun as Run } from '../support/entry-run';

const STACK_FRAME = /^\s+at /m;

const masterKey = () => randomBytes(32).toString('base64');
const K1 = masterKey();
// The right id, other bytes: a Secret re-created from memory (outside tester, seventh session).
const WRONG_K1 = masterKey();

// An outside tester rotating keys on `npm start`: TSS_MASTER_KEYS="k1:<random 32 bytes>", the right
// id with the wrong bytes, started and served; each service now refuses it at start, as any other
// bad setting (exit 78), in one line per service naming TSS_MASTER_KEYS, the key id and the service
// (docs/adr/0014, addendum of 2026-12-05, seventh session).
describe('start-up: a master key that does not open what is sealed under its id', () => {
  let db: TestDatabase;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-master-keys-'));
  let runs: { singleProcess: Run; intake: Run };

  beforeAll(async () => {
    db = await createTestDatabase('master_keys_at_start_processes');
    // A first start with the right key: every service seals what it holds under k1.
    const running = await startSingleProcessPlatform({
      databaseUrl: db.url,
      clock: new TestClock('2026-12-05T10:00:00.000Z'),
      logger: pino({ level: 'silent' }),
      env: { TSS_MASTER_KEYS: `k1:${K1}` },
      issuer: 'tss',
      audience: 'tss-api',
    });
    await running.platform.stop();
    const wrong = { DATABASE_URL: db.url, TSS_MASTER_KEYS: `k1:${WRONG_K1}`, PORT: '0', METRICS_PORT: '0' };
    const [singleProcess, intake] = await Promise.all([
      run(entry('single-process'), { ...wrong, TSS_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }),
      // At info: fastify's line says when it listens, were it to start.
      run(entry('ticket-intake'), { ...wrong, KAFKA_BROKERS: '127.0.0.1:1', TSS_JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json', LOG_LEVEL: 'info' }),
    ]);
    runs = { singleProcess, intake };
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('npm start (every service in one process): exit 78, one line per service that holds something under k1, no stack, no key', () => {
    const { outcome, stdout, stderr } = runs.singleProcess;
    expect({ outcome, stderr }).toEqual({ outcome: 78, stderr: expect.stringMatching(/^TSS failed to start: TSS_MASTER_KEYS: master key k1 /) });
    const lines = stderr.trimEnd().split('\n');
    for (const service of ['gateway', 'ticket-intake', 'notification']) expect(lines.filter((line) => line.includes(` ${service} `))).toHaveLength(1);
    for (const line of lines.slice(1)) expect(line).toMatch(/^TSS_MASTER_KEYS: master key k1 /);
    expect(stderr).not.toMatch(STACK_FRAME);
    for (const key of [K1, WRONG_K1]) expect(stdout + stderr).not.toContain(key);
  });

  it('services mode (ticket-intake alone): exit 78, one line naming TSS_MASTER_KEYS, k1 and the service, no stack, no key', () => {
    const { outcome, stdout, stderr } = runs.intake;
    expect({ outcome, stderr }).toEqual({ outcome: 78, stderr: expect.stringMatching(/^ticket-intake failed to start: TSS_MASTER_KEYS: master key k1 [^\n]*\bticket-intake\b[^\n]*\n$/) });
    for (const key of [K1, WRONG_K1]) expect(stdout + stderr).not.toContain(key);
  });
});
