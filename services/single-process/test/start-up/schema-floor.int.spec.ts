import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { MigrationInterface } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { slaTimerService } from '@tss/sla-timer';
import { connectionTrap, type ConnectionTrap } from '../support/connection-trap';
import { entryPointArgs } from '@tss/runtime/testing';

const REPO = path.resolve(__dirname, '../../../..');
const entry = (service: string) => path.join(REPO, 'services', service, 'src', 'main.ts');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an entry point with exactly `env` (plus PATH): nothing leaks in from the test run. */
const runEntry = (file: string, env: Record<string, string>, args: string[] = []): Promise<Exit> =>
  new Promise((resolve) => {
    execFile(process.execPath, [...entryPointArgs(file), ...args], { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 90_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });

/** A migration only a newer release has: its contract migration recorded it as sla_timer's floor. */
const FUTURE = 'DropClockStatus1799999999000';
/** This release's newest migration of sla_timer, which the refusal names. */
const NEWEST = slaTimerService
  .migrations!.map((migration) => new (migration as new () => MigrationInterface)().name!)
  .sort((a, b) => Number(a.slice(-13)) - Number(b.slice(-13)))
  .at(-1)!;
const REFUSAL =
  `sla-timer refuses to start: schema sla_timer needs a newer release: it requires migration ${FUTURE} (recorded by ${FUTURE}: response_clocks.status is dropped), ` +
  `which this release does not have (its newest migration of sla_timer is ${NEWEST}). This release cannot run on this schema. ` +
  `Roll forward to a release that has ${FUTURE}, or, to run this release, restore the database backup taken before the upgrade that applied it (docs/operations.md, "Upgrade and rollback").`;

/** The pino line at error level that carries `message`, if any. */
const errorLine = (stdout: string, message: string): Record<string, unknown> | undefined =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((line) => line.level === 50 && line.msg === message);

// docs/adr/0071: after a rollback across a contract migration (or a roll of old pods across one),
// the older release must not run on the schema: an older sla-timer's clock inserts would fail and
// dead-letter every `ticket.created` (P5). Here the database is "upgraded" by a newer release whose
// contract migration this one does not have.
describe('start-up: a release refuses a schema whose compatibility floor it is below', () => {
  let db: TestDatabase;
  let broker: ConnectionTrap;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-floor-'));
  const exits: Record<string, Exit> = {};

  beforeAll(async () => {
    db = await createTestDatabase('schema_floor');
    broker = await connectionTrap();
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(`INSERT INTO sla_timer.schema_compatibility_floors (migration, recorded_by, reason) VALUES ($1, $1, 'response_clocks.status is dropped')`, [FUTURE]);
    } finally {
      await client.end();
    }
    const services = { DATABASE_URL: db.url, KAFKA_BROKERS: broker.address, TSS_JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json', PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'info' };
    const [singleProcess, slaTimer, slaTimerMigrate] = await Promise.all([
      runEntry(entry('single-process'), { DATABASE_URL: db.url, PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'info', TSS_DATA_DIR: dataDir }),
      runEntry(entry('sla-timer'), services),
      runEntry(entry('sla-timer'), { DATABASE_URL: db.url, LOG_LEVEL: 'info' }, ['migrate']),
    ]);
    Object.assign(exits, { singleProcess, slaTimer, slaTimerMigrate });
  }, 180_000);

  afterAll(async () => {
    await broker?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('single process (npm start): exits 1 with an error-level line naming the schema, the floor, its newest migration and what to do', () => {
    const { code, stdout, stderr } = exits.singleProcess;
    expect({ code, refusal: errorLine(stdout, REFUSAL) }).toMatchObject({ code: 1, refusal: { service: 'sla-timer', schema: 'sla_timer', releaseNewestMigration: NEWEST } });
    expect(stdout).not.toContain('TSS is running');
    // The last word on the terminal is the same message, not a stack trace.
    expect(stderr.trim()).toBe(`TSS failed to start: ${REFUSAL.replace('sla-timer refuses to start: ', '')}`);
  });

  it('services mode (sla-timer main.ts): refuses before it listens or reaches Kafka, exit 1', () => {
    const { code, stdout, stderr } = exits.slaTimer;
    expect({ code, refusal: errorLine(stdout, REFUSAL) }).toMatchObject({ code: 1, refusal: { schema: 'sla_timer' } });
    expect(stderr.trim()).toBe(`sla-timer failed to start: ${REFUSAL.replace('sla-timer refuses to start: ', '')}`);
    expect(broker.connections()).toBe(0);
  });

  it('services mode (sla-timer main.ts migrate, the upgrade Job): refuses to migrate, exit 1', () => {
    const { code, stdout } = exits.slaTimerMigrate;
    expect({ code, refusal: errorLine(stdout, REFUSAL) }).toMatchObject({ code: 1, refusal: { schema: 'sla_timer' } });
  });
});

/** Each migration that broke the expand-only rule, by schema: what it left older releases unable to do. */
const CONTRACT_MIGRATIONS: Record<string, readonly string[]> = {
  gateway: ['KeyPublicationAndWrapping1764806400000'],
  notification: ['MailSiteRequester1765300400000', 'WebhookSealedSecrets1765300430000'],
  sla_timer: ['ClockLifecycle1765200000000'],
};

// docs/operations.md, "Upgrade and rollback", step 3: a migration that is not expand-only records a floor.
describe('compatibility floors of the migrations that broke the expand-only rule', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('schema_floors_recorded');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it.each(Object.entries(CONTRACT_MIGRATIONS))('%s: its floors name its contract migrations', async (schema, migrations) => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ migration: string }>(`SELECT migration FROM "${schema}".schema_compatibility_floors ORDER BY migration`);
      expect(rows.map((row) => row.migration)).toEqual(migrations);
    } finally {
      await client.end();
    }
  });
});
