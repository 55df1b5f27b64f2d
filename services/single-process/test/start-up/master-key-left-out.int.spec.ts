import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { TestClock } from '@tss/service-kit/testing';
import { startSingleProcessPlatform } from '../../src/single-process-platform';
import { entry, runUntilServing as run, type EntryRun as Run } from '../support/entry-run';


const masterKey = () => randomBytes(32).toString('base64');
const K1 = masterKey();
const K2 = masterKey();

// A key dropped from the list while keys were still wrapped under it: `TSS failed to start:
// KeyUnwrapError: master key k1 is not configured` and a stack, exit 1; with TSS_MASTER_KEYS unset,
// after the gateway had written a generated key (outside tester, seventh session).
describe('start-up: a master key left out while something is still sealed under it', () => {
  let db: TestDatabase;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-master-keys-left-out-'));
  let runs: { dropped: Run; unset: Run };
  const generatedKeys = async (): Promise<number> => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      // One statement: a pg client runs one query at a time (pg 9 refuses a second one sent meanwhile).
      const tables = ['gateway.generated_master_keys', 'ticket_intake.credential_generated_master_keys', 'notification.webhook_generated_master_keys'];
      const { rows } = await client.query<{ n: number }>(`SELECT ${tables.map((table) => `(SELECT count(*)::int FROM ${table})`).join(' + ')} AS n`);
      return rows[0].n;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase('master_keys_left_out_processes');
    const running = await startSingleProcessPlatform({
      databaseUrl: db.url,
      clock: new TestClock('2026-12-05T10:00:00.000Z'),
      logger: pino({ level: 'silent' }),
      env: { TSS_MASTER_KEYS: `k1:${K1}` },
      issuer: 'tss',
      audience: 'tss-api',
    });
    await running.platform.stop();
    const env = { DATABASE_URL: db.url, PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'warn', TSS_DATA_DIR: dataDir };
    const [dropped, unset] = await Promise.all([run(entry('single-process'), { ...env, TSS_MASTER_KEYS: `k2:${K2}` }), run(entry('single-process'), env)]);
    runs = { dropped, unset };
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(['dropped', 'unset'] as const)('k1 %s: exit 78, one line naming TSS_MASTER_KEYS, k1, the gateway and its signing key under k1, no stack', (which) => {
    const { outcome, stderr } = runs[which];
    expect({ outcome, stderr }).toEqual({ outcome: 78, stderr: expect.stringMatching(/^TSS failed to start: TSS_MASTER_KEYS\b[^\n]*\bk1\b[^\n]*\bgateway holds 1 signing key under\b[^\n]*\n$/) });
  });

  it('nothing is written before the refusal: no master key generated, by the gateway or any other service', async () => {
    expect(await generatedKeys()).toBe(0);
  });
});

