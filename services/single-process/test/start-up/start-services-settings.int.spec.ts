import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serviceSettingsProblems, startServicesProblems } from '../../src/start-services.config';
import { SERVICE_PROCESSES } from '../../src/start-services';
import { connectionTrap, type ConnectionTrap } from '../support/connection-trap';
import { LAUNCHER_PORT_BLOCK, ownFreePorts } from '../support/held-port';

const REPO = path.resolve(__dirname, '../../../..');
const LAUNCHER = path.join(REPO, 'deploy/local/start-services.ts');
const MAIN = path.join(REPO, 'services/single-process/src/main.ts');
const STACK_FRAME = /^\s+at /m;

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** An entry point (`npm run start:services` unless given) with exactly `env` (plus PATH), and `args`. */
const runLauncher = (env: Record<string, string>, args: readonly string[] = [], entry = LAUNCHER): Promise<Exit> =>
  new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 90_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });

// `TSS_BASE_PORT=abc npm run start:services` gave four services `PORT="NaN"`, after the launcher
// had started PostgreSQL and the broker, and a stack (docs/adr/0015, addendum of 2026-12-05, fourth session).
describe('start:services: its own settings checked before it starts anything', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-launcher-settings-'));
  let database: ConnectionTrap;
  let broker: ConnectionTrap;
  const exits: Record<string, Exit> = {};

  beforeAll(async () => {
    database = await connectionTrap();
    broker = await connectionTrap();
    // PostgreSQL and the broker "elsewhere", at ports that hang up: were the settings accepted, the
    // launcher would migrate there and fail at once (one try: DB_CONNECT_TIMEOUT_MS=0).
    const elsewhere = { DATABASE_URL: `postgres://tss:secret@${database.address}/tss`, KAFKA_BROKERS: broker.address, DB_CONNECT_TIMEOUT_MS: '0' };
    const [bad, ranges] = await Promise.all([
      runLauncher({
        ...elsewhere,
        TSS_DATA_DIR: path.join(dataDir, 'bad'),
        TSS_BASE_PORT: 'abc',
        TSS_METRICS_BASE_PORT: '70000',
        LOG_LEVEL: 'loud',
        KAFKA_SESSION_TIMEOUT_MS: '5000',
        TSS_PG_PORT_WAIT_MS: '-1',
        // A setting of one service alone, named with the launcher's own in the one message.
        MAIL_SMTP_PORT: 'smtp',
      }),
      runLauncher({ ...elsewhere, TSS_DATA_DIR: path.join(dataDir, 'ranges'), TSS_BASE_PORT: '65533', TSS_METRICS_BASE_PORT: '65530' }),
    ]);
    Object.assign(exits, { bad, ranges });
  }, 120_000);
  afterAll(async () => {
    await database?.close();
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('bad values: exit 78, one message naming each, no stack; nothing started, nothing made', () => {
    expect(exits.bad.code).toBe(78);
    expect(exits.bad.stderr).toMatch(/^start:services: Invalid configuration:\n/);
    // The services' consumer group settings too, which it passes to every service (docs/adr/0020, fifth session).
    for (const name of ['TSS_BASE_PORT="abc"', 'TSS_METRICS_BASE_PORT=70000', 'LOG_LEVEL="loud"', 'KAFKA_SESSION_TIMEOUT_MS=5000', 'TSS_PG_PORT_WAIT_MS=-1']) expect(exits.bad.stderr).toContain(`  - ${name}: `);
    // Said once, though every service reads it too.
    expect(exits.bad.stderr.match(/KAFKA_SESSION_TIMEOUT_MS=/g)).toHaveLength(1);
    expect(exits.bad.stderr).toContain('  - MAIL_SMTP_PORT="smtp": Expected integer (read by notification)\n');
    expect(exits.bad.stderr).not.toMatch(STACK_FRAME);
    expect(database.connections() + broker.connections()).toBe(0);
    expect(existsSync(path.join(dataDir, 'bad'))).toBe(false);
  });

  it("ports that cannot all be had: a service's past 65535, two ranges on one port; exit 78, both named", () => {
    expect(exits.ranges.code).toBe(78);
    expect(exits.ranges.stderr).toContain('  - TSS_BASE_PORT=65533: the services would listen on 65533–65538, past 65535\n');
    expect(exits.ranges.stderr).toContain("  - TSS_METRICS_BASE_PORT=65530: the services' metrics (65530–65535) and TSS_BASE_PORT's services (65533–65538) share ports\n");
    expect(existsSync(path.join(dataDir, 'ranges'))).toBe(false);
  });
});

// An outside re-test: a bad value of a setting only one service reads (notification's, escalation's)
// was found once embedded PostgreSQL, the broker and the migrations had run: that service exited 78,
// and the launcher said "exited with 78". Each service's own schema is now checked by the launcher,
// before it starts or writes anything (docs/adr/0006, addendum of 2026-12-05, sixth session).
describe("start:services: every service's settings checked before it starts anything", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-launcher-service-settings-'));
  // As root, PostgreSQL runs as the postgres user, who must reach the data folder inside.
  chmodSync(dataDir, 0o755);
  const folder = path.join(dataDir, 'data');
  let exit: Exit;

  beforeAll(async () => {
    // Its own ports, apart from other runs': were the settings accepted, PostgreSQL would start on them.
    const first = await ownFreePorts(2 * SERVICE_PROCESSES.length + 3, LAUNCHER_PORT_BLOCK);
    exit = await runLauncher({
      TSS_DATA_DIR: folder,
      TSS_BASE_PORT: String(first),
      TSS_METRICS_BASE_PORT: String(first + SERVICE_PROCESSES.length),
      KAFKA_PORT: String(first + 2 * SERVICE_PROCESSES.length),
      TSS_PG_PORT: String(first + 2 * SERVICE_PROCESSES.length + 2),
      // The broker's script refuses this version at once: a launcher that went on fails fast there.
      KAFKA_VERSION: 'none',
      // Every service reads it.
      KAFKA_TOPIC_PARTITIONS: '0',
      // The gateway's process alone, its module by a rule its schema cannot say (32 bytes).
      TSS_UPSTREAM_TIMEOUT_MS: '5',
      TSS_MASTER_KEYS: 'k1:c2hvcnQ=',
      // Two services read it.
      ATTACHMENT_STORAGE: 'ftp',
      // One service alone each.
      MAIL_SMTP_PORT: 'smtp',
      ESCALATION_RENOTIFY_AFTER_MS: '-1',
    });
  }, 120_000);
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a bad value of any service\'s setting: exit 78, one message, each setting on one line with its reason and who reads it, no stack', () => {
    expect({ code: exit.code, stdout: exit.stdout }).toEqual({ code: 78, stdout: '' });
    expect(exit.stderr).toMatch(/^start:services: Invalid configuration:\n/);
    for (const line of [
      'KAFKA_TOPIC_PARTITIONS=0: Expected integer to be greater or equal to 1',
      'TSS_UPSTREAM_TIMEOUT_MS=5: Expected integer to be greater or equal to 100 (read by gateway)',
      'TSS_MASTER_KEYS: master key k1 is 5 bytes, not 32 (read by gateway)',
      'ATTACHMENT_STORAGE="ftp": Expected one of "filesystem", "s3" (read by ticket-intake, notification)',
      'MAIL_SMTP_PORT="smtp": Expected integer (read by notification)',
      'ESCALATION_RENOTIFY_AFTER_MS=-1: Expected integer to be greater or equal to 1000 (read by escalation)',
    ])
      expect(exit.stderr).toContain(`  - ${line}\n`);
    // Once, though all six services refuse it.
    expect(exit.stderr.match(/KAFKA_TOPIC_PARTITIONS=/g)).toHaveLength(1);
    expect(exit.stderr).not.toMatch(STACK_FRAME);
  });

  it('nothing started, nothing written: no data folder (no PostgreSQL, no broker, no link key)', () => {
    expect(existsSync(folder)).toBe(false);
  });
});

// `npm run start:services bogus` started everything; README: "An entry point takes no argument but
// its commands …: any other stops it with its usage line and exit status 64", as `main.ts bogus` does.
describe("start:services: its arguments, as every entry point's", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-launcher-arguments-'));
  let database: ConnectionTrap;
  let broker: ConnectionTrap;
  const exits: Record<string, Exit> = {};
  const usage = 'usage: start-services.ts (no arguments: its settings are environment variables)';

  beforeAll(async () => {
    database = await connectionTrap();
    broker = await connectionTrap();
    // Were the argument ignored, the launcher would migrate against a database that hangs up.
    const elsewhere = { DATABASE_URL: `postgres://tss:secret@${database.address}/tss`, KAFKA_BROKERS: broker.address, DB_CONNECT_TIMEOUT_MS: '0' };
    const [bogus, help, helpOfMain] = await Promise.all([
      runLauncher({ ...elsewhere, TSS_DATA_DIR: path.join(dataDir, 'bogus') }, ['bogus']),
      runLauncher({ ...elsewhere, TSS_DATA_DIR: path.join(dataDir, 'help') }, ['--help']),
      runLauncher({ DATABASE_URL: elsewhere.DATABASE_URL, PORT: '0', METRICS_PORT: '0', TSS_DATA_DIR: path.join(dataDir, 'main') }, ['--help'], MAIN),
    ]);
    Object.assign(exits, { bogus, help, helpOfMain });
  }, 120_000);
  afterAll(async () => {
    await database?.close();
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('an argument it does not know: one line naming it with its usage, exit 64 (EX_USAGE); nothing started, nothing written', () => {
    expect({ code: exits.bogus.code, stdout: exits.bogus.stdout, stderr: exits.bogus.stderr }).toEqual({
      code: 64,
      stdout: '',
      stderr: `start:services: unknown argument "bogus"; ${usage}\n`,
    });
    expect(database.connections() + broker.connections()).toBe(0);
    expect(existsSync(path.join(dataDir, 'bogus'))).toBe(false);
  });

  it('--help: answered as the single process answers it (its usage, exit 64)', () => {
    expect(exits.helpOfMain.code).toBe(64);
    expect(exits.helpOfMain.stderr).toBe('tss: unknown argument "--help"; usage: main.ts [migrate | config-schema]\n');
    expect({ code: exits.help.code, stderr: exits.help.stderr }).toEqual({ code: 64, stderr: `start:services: unknown argument "--help"; ${usage}\n` });
  });
});

describe("start:services: the ports it places, each one process's alone", () => {
  const problems = startServicesProblems(6);

  it('the defaults hold: services 8080–8085, metrics 9464–9469, PostgreSQL 25432, the broker 9092 and 9093', () => {
    expect(problems({})).toEqual([]);
  });

  it("PostgreSQL or the broker on a service's port is named; not when they are elsewhere (DATABASE_URL, KAFKA_BROKERS)", () => {
    expect(problems({ TSS_PG_PORT: '8082', KAFKA_PORT: '9468' })).toEqual([
      "TSS_PG_PORT=8082: the embedded PostgreSQL (8082) and TSS_BASE_PORT's services (8080–8085) share ports",
      "KAFKA_PORT=9468: the broker (9468–9469) and TSS_METRICS_BASE_PORT's services' metrics (9464–9469) share ports",
    ]);
    expect(problems({ TSS_PG_PORT: '8082', KAFKA_PORT: '9468', DATABASE_URL: 'postgres://h/tss', KAFKA_BROKERS: 'k:9092' })).toEqual([]);
  });

  // A re-test: INBOUND_SMTP_PORT on ticket-intake's port started everything, and notification only
  // logged that its SMTP listener could not listen.
  it("notification's inbound SMTP port on another of its ports is named; unset or apart, nothing", () => {
    expect(problems({ INBOUND_SMTP_PORT: '8081' })).toEqual([
      "INBOUND_SMTP_PORT=8081: the inbound SMTP listener of notification (8081) and TSS_BASE_PORT's services (8080–8085) share ports",
    ]);
    expect(problems({ INBOUND_SMTP_PORT: '2525' })).toEqual([]);
  });

  it('metrics on free ports (TSS_METRICS_BASE_PORT=0) place nothing', () => {
    expect(problems({ TSS_METRICS_BASE_PORT: '0', TSS_BASE_PORT: '1' })).toEqual([]);
  });
});

describe("start:services: the services' consumer group timeouts, checked before it starts anything", () => {
  it('a heartbeat not below a third of the session timeout is named with it, as each service would', () => {
    expect(startServicesProblems(6)({ KAFKA_SESSION_TIMEOUT_MS: '30000', KAFKA_HEARTBEAT_INTERVAL_MS: '10000' })).toEqual([
      expect.stringMatching(/^KAFKA_HEARTBEAT_INTERVAL_MS=10000 is not below a third of KAFKA_SESSION_TIMEOUT_MS=30000/),
    ]);
    expect(startServicesProblems(6)({ KAFKA_SESSION_TIMEOUT_MS: '30000', KAFKA_HEARTBEAT_INTERVAL_MS: '5000' })).toEqual([]);
  });
});

describe("start:services: the environment it gives each service, checked against that service's schema", () => {
  it('the defaults hold: each service accepts the environment the launcher would start it with', () => {
    expect(serviceSettingsProblems({})).toEqual([]);
  });

  it("a setting is named once, with the services that read it unless all do; a line the launcher's own check gives is left to it", () => {
    expect(serviceSettingsProblems({ MAIL_SMTP_PORT: 'smtp', KAFKA_TOPIC_PARTITIONS: '0', KAFKA_SESSION_TIMEOUT_MS: '5000' })).toEqual([
      'KAFKA_TOPIC_PARTITIONS=0: Expected integer to be greater or equal to 1',
      'MAIL_SMTP_PORT="smtp": Expected integer (read by notification)',
    ]);
  });

  it("the launcher's own settings bad: the services are checked with its defaults in their place", () => {
    expect(serviceSettingsProblems({ TSS_BASE_PORT: 'abc', ESCALATION_RENOTIFY_AFTER_MS: '-1' })).toEqual([
      'ESCALATION_RENOTIFY_AFTER_MS=-1: Expected integer to be greater or equal to 1000 (read by escalation)',
    ]);
  });
});
