import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { connectionTrap, type ConnectionTrap } from '../support/connection-trap';
import { entryPointArgs } from '@tss/runtime/testing';

const REPO = path.resolve(__dirname, '../../../..');
const entry = (service: string) => path.join(REPO, 'services', service, 'src', 'main.ts');

interface Exit {
  code: number | null;
  stderr: string;
}

/** Runs an entry point with exactly `env` (plus PATH): nothing leaks in from the test run. */
const runEntry = (file: string, env: Record<string, string>, args: string[] = []): Promise<Exit> =>
  new Promise((resolve) => {
    execFile(process.execPath, [...entryPointArgs(file), ...args], { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (error, _stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr }),
    );
  });

/**
 * Settings the runtime, the timers, sla-timer and the data sources read for every hosted service, bad all at once:
 * they were read only as the services were built (after PostgreSQL, or the wait for it), with a
 * stack, exit 1, one at a time (docs/adr/0015, addendum of 2026-12-05, fourth session).
 */
const BAD_HOST_SETTINGS: Record<string, string> = {
  EVENT_RETENTION_DAYS: 'abc',
  OUTBOX_RELAY_BATCH_SIZE: '0',
  TIMER_RETENTION_BATCH_SIZE: '-5',
  SLA_TIMER_BATCH_SIZE: 'many',
  SLA_TIMER_CONCURRENCY: '0',
  // Anything but `on` silently meant off.
  PG_PREPARED_STATEMENTS: 'yes',
};

/**
 * Durations past what Node's timers take (2^31-1 ms: longer ones fire after 1 ms): a retention pass
 * every millisecond, a relay polling in a loop, a Ctrl-C that "timed out" at once.
 */
const TOO_LONG: Record<string, string> = {
  EVENT_RETENTION_INTERVAL_MINUTES: '40000',
  TIMER_RETENTION_INTERVAL_MINUTES: '40000',
  SHUTDOWN_TIMEOUT_MS: '2200000000',
};

/** Two listeners of one process on one port: the second failed at its listen, with a stack, after everything had started. */
const ONE_PORT_TWICE: Record<string, string> = { PORT: '18080', METRICS_PORT: '18080' };

describe('start-up: one config schema per process, checked before anything connects', () => {
  let database: ConnectionTrap;
  let broker: ConnectionTrap;
  const exits: Record<string, Exit> = {};
  // Each single-process run's data folder, which a refused start must not make (nor its link key).
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-config-at-start-'));
  const dataFolders = { singleProcess: path.join(dataDir, 'single-process'), moduleRule: path.join(dataDir, 'module-rule'), singleProcessHost: path.join(dataDir, 'host') };

  // The three entry points start at once (each loads every module: seconds on a busy machine).
  beforeAll(async () => {
    database = await connectionTrap();
    broker = await connectionTrap();
    const databaseUrl = `postgres://tss:secret@${database.address}/tss`;
    const [singleProcess, moduleRule, gateway, intake, singleProcessHost, slaTimerHost] = await Promise.all([
      runEntry(entry('single-process'), { PORT: 'eighty', TSS_SIGNING_KEY_MAX_AGE_HOURS: '0', DATABASE_URL: databaseUrl, TSS_DATA_DIR: dataFolders.singleProcess }),
      // Only a module setting is bad, by a rule its schema cannot say (a master key must decode to
      // 32 bytes): it used to be found once the database had migrated.
      runEntry(entry('single-process'), { TSS_MASTER_KEYS: 'k1:c2hvcnQ=', DATABASE_URL: databaseUrl, PORT: '0', TSS_DATA_DIR: dataFolders.moduleRule }),
      runEntry(entry('gateway'), {
        PORT: 'eighty',
        TSS_SIGNING_KEY_MAX_AGE_HOURS: '0',
        TSS_RATE_LIMIT_MAX: 'many',
        // Matches the setting's pattern; its second timeout is past what a timer takes.
        TSS_UPSTREAM_TIMEOUTS: '/v1/tickets=5000,/v1/reports=2200000000',
        DATABASE_URL: databaseUrl,
        KAFKA_BROKERS: broker.address,
        TSS_SLA_TIMER_URL: 'http://127.0.0.1:1',
        TSS_NOTIFICATION_URL: 'http://127.0.0.1:1',
        TSS_ESCALATION_URL: 'http://127.0.0.1:1',
        TSS_RATING_URL: 'http://127.0.0.1:1',
      }),
      runEntry(entry('ticket-intake'), { PORT: 'eighty', DATABASE_URL: databaseUrl, KAFKA_BROKERS: broker.address }),
      runEntry(entry('single-process'), {
        ...BAD_HOST_SETTINGS,
        ...TOO_LONG,
        ...ONE_PORT_TWICE,
        OUTBOX_POLL_INTERVAL_MS: '2200000000',
        // Below intake's upload limits (10 and 25 MiB by default): a 30 MiB upload was a bare 413 from the edge.
        TSS_UPLOAD_BODY_LIMIT_BYTES: '1048576',
        DATABASE_URL: databaseUrl,
        TSS_DATA_DIR: dataFolders.singleProcessHost,
      }),
      // One try at the database, were the settings accepted: the test fails at once rather than after five minutes.
      runEntry(entry('sla-timer'), {
        ...BAD_HOST_SETTINGS,
        ...TOO_LONG,
        DATABASE_URL: databaseUrl,
        DB_CONNECT_TIMEOUT_MS: '0',
        KAFKA_BROKERS: broker.address,
        TSS_JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json',
        ...ONE_PORT_TWICE,
      }),
    ]);
    Object.assign(exits, { singleProcess, moduleRule, gateway, intake, singleProcessHost, slaTimerHost });
  }, 120_000);
  afterAll(async () => {
    await database?.close();
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('no entry point connects to PostgreSQL or Kafka when its configuration is bad', () => {
    expect(database.connections() + broker.connections()).toBe(0);
  });

  // A refused start made TSS_DATA_DIR and wrote a generated site-link-keys there, while the
  // defaults were resolved, before the settings were checked.
  it('single process: a start refused for its settings writes nothing: no data folder, no link key', () => {
    expect(Object.values(dataFolders).filter((folder) => existsSync(folder))).toEqual([]);
  });

  it('single process: a bad module setting alone exits 78 before PostgreSQL is reached', () => {
    expect(exits.moduleRule.code).toBe(78);
    expect(exits.moduleRule.stderr).toContain('TSS_MASTER_KEYS: master key k1 is 5 bytes, not 32');
  });

  it('single process: a bad base variable and a bad gateway variable exit 78, both named in one message', () => {
    expect(exits.singleProcess.code).toBe(78);
    expect(exits.singleProcess.stderr).toContain('PORT=');
    expect(exits.singleProcess.stderr).toContain('TSS_SIGNING_KEY_MAX_AGE_HOURS=');
    expect(exits.singleProcess.stderr.match(/Invalid configuration/g)).toHaveLength(1);
  });

  it('services mode (gateway): base, module and entry-point variables are reported together, exit 78', () => {
    expect(exits.gateway.code).toBe(78);
    for (const name of ['PORT=', 'TSS_SIGNING_KEY_MAX_AGE_HOURS=', 'TSS_RATE_LIMIT_MAX=', 'TSS_INTAKE_URL is required']) expect(exits.gateway.stderr).toContain(name);
    expect(exits.gateway.stderr).toContain('TSS_UPSTREAM_TIMEOUTS: /v1/reports=2200000000 is not from 100 to 3600000 ms');
    expect(exits.gateway.stderr.match(/Invalid configuration/g)).toHaveLength(1);
  });

  it.each(['singleProcessHost', 'slaTimerHost'])('%s: the settings every hosted service runs with (retention, relay, timers, sla-timer\'s lanes) are checked with the others: exit 78, each named in one message', (which) => {
    const { code, stderr } = exits[which];
    expect({ code, unnamed: Object.keys(BAD_HOST_SETTINGS).filter((name) => !stderr.includes(`${name}=`)) }).toEqual({ code: 78, unnamed: [] });
    expect(stderr.match(/Invalid configuration/g)).toHaveLength(1);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it.each([
    ['singleProcessHost', [...Object.keys(TOO_LONG), 'OUTBOX_POLL_INTERVAL_MS']],
    ['slaTimerHost', Object.keys(TOO_LONG)],
  ])('%s: a duration past its maximum is refused with the others, named with the bound it passes', (which, names) => {
    const { stderr } = exits[which];
    for (const name of names) expect(stderr).toMatch(new RegExp(`^  - ${name}=\\d+: Expected (integer|number) to be less or equal to \\d+$`, 'm'));
  });

  it.each(['singleProcessHost', 'slaTimerHost'])('%s: METRICS_PORT equal to PORT is refused at start with the others, both named', (which) => {
    expect(exits[which].stderr).toContain('  - METRICS_PORT=18080 is PORT too: each listener needs a port of its own\n');
  });

  it("single process: intake's upload limits above the edge's upload body limit are refused at start, each named with it", () => {
    const { stderr } = exits.singleProcessHost;
    expect(stderr).toContain('  - ATTACHMENT_MAX_FILE_BYTES=10485760 is more than TSS_UPLOAD_BODY_LIMIT_BYTES=1048576: the edge would refuse (413) uploads ticket-intake takes\n');
    expect(stderr).toContain('  - ATTACHMENT_MAX_MESSAGE_BYTES=26214400 is more than TSS_UPLOAD_BODY_LIMIT_BYTES=1048576: the edge would refuse (413) uploads ticket-intake takes\n');
  });

  it('services mode (ticket-intake): a missing TSS_JWKS_URL is listed with the other bad variables, exit 78', () => {
    expect(exits.intake.code).toBe(78);
    expect(exits.intake.stderr).toContain('PORT=');
    expect(exits.intake.stderr).toContain('TSS_JWKS_URL is required');
  });
});

describe('start-up: migrate needs only DATABASE_URL', () => {
  let db: TestDatabase;
  const exits: Record<string, Exit> = {};
  // The gateway's entry point reads the most (upstream URLs, edge, keys): none of it is needed here.
  const services = [['gateway', 'gateway']] as const;

  beforeAll(async () => {
    db = await createTestDatabase('migrate_only_url', { from: 'empty' });
    const results = await Promise.all(services.map(([service]) => runEntry(entry(service), { DATABASE_URL: db.url, LOG_LEVEL: 'warn' }, ['migrate'])));
    services.forEach(([service], i) => (exits[service] = results[i]));
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  const migrationsIn = async (schema: string): Promise<number> => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const [row] = (await client.query(`SELECT count(*)::int AS n FROM "${schema}".schema_migrations`)).rows as { n: number }[];
      return row.n;
    } finally {
      await client.end();
    }
  };

  it.each(services)('`%s main.ts migrate` with only DATABASE_URL set applies its migrations and exits 0 (no Kafka, no JWKS, no upstreams)', async (service, schema) => {
    expect({ code: exits[service].code, stderr: exits[service].stderr }).toEqual({ code: 0, stderr: '' });
    expect(await migrationsIn(schema)).toBeGreaterThan(0);
  });
});

// `main.ts config-schema`, or any argument but `migrate`, started the whole platform (docs/adr/0015,
// addendum of 2026-12-05, fourth session).
describe("start-up: the entry points' arguments", () => {
  let database: ConnectionTrap;
  let runs: { schema: Exit & { stdout: string }; unknown: Exit; serviceUnknown: Exit };

  /** As runEntry, with stdout too. */
  const runWithOutput = (file: string, env: Record<string, string>, args: string[]): Promise<Exit & { stdout: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, [...entryPointArgs(file), ...args], { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr, stdout }),
      );
    });

  beforeAll(async () => {
    database = await connectionTrap();
    // Were the argument ignored, each would start against a database that hangs up.
    const env = { DATABASE_URL: `postgres://tss:secret@${database.address}/tss`, PORT: '0', METRICS_PORT: '0' };
    const [schema, unknown, serviceUnknown] = await Promise.all([
      runWithOutput(entry('single-process'), env, ['config-schema']),
      runEntry(entry('single-process'), env, ['config-scheme']),
      runEntry(entry('sla-timer'), { ...env, KAFKA_BROKERS: '127.0.0.1:1', TSS_JWKS_URL: 'http://127.0.0.1:1/jwks', DB_CONNECT_TIMEOUT_MS: '0' }, ['serve']),
    ]);
    runs = { schema, unknown, serviceUnknown };
  }, 120_000);
  afterAll(async () => {
    await database?.close();
  });

  it("single process `config-schema`: prints the JSON Schema it checks at start (its own, the runtime's and every service's settings) and exits 0, reading no environment", () => {
    expect({ code: runs.schema.code, stderr: runs.schema.stderr }).toEqual({ code: 0, stderr: '' });
    const schema = JSON.parse(runs.schema.stdout) as { properties: Record<string, { maximum?: number }> };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['TSS_PG_PORT', 'OUTBOX_POLL_INTERVAL_MS', 'TSS_UPLOAD_BODY_LIMIT_BYTES', 'ATTACHMENT_MAX_FILE_BYTES', 'EVENT_RETENTION_DAYS', 'TIMER_RETENTION_DAYS', 'SLA_TIMER_CONCURRENCY', 'PG_PREPARED_STATEMENTS', 'MAIL_SMTP_HOST']),
    );
    expect(schema.properties).not.toHaveProperty('KAFKA_BROKERS');
    expect(schema.properties.OUTBOX_POLL_INTERVAL_MS.maximum).toBe(600_000);
  });

  it('an unknown argument: a usage line, exit 64 (EX_USAGE), nothing started; in services mode too', () => {
    expect(runs.unknown.code).toBe(64);
    expect(runs.unknown.stderr).toBe('tss: unknown argument "config-scheme"; usage: main.ts [migrate | config-schema]\n');
    expect(runs.serviceUnknown.code).toBe(64);
    expect(runs.serviceUnknown.stderr).toBe('sla-timer: unknown argument "serve"; usage: main.js [migrate | config-schema | dead-letters …]\n');
    expect(database.connections()).toBe(0);
  });
});
