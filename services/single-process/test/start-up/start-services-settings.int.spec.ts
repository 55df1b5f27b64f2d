import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServicesProblems } from '../../src/start-services.config';
import { connectionTrap, type ConnectionTrap } from '../support/connection-trap';

const REPO = path.resolve(__dirname, '../../../..');
const LAUNCHER = path.join(REPO, 'deploy/local/start-services.ts');
const STACK_FRAME = /^\s+at /m;

interface Exit {
  code: number | null;
  stderr: string;
}

/** `npm run start:services` with exactly `env` (plus PATH). */
const runLauncher = (env: Record<string, string>): Promise<Exit> =>
  new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', LAUNCHER], { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 90_000 }, (error, _stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr }),
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
      runLauncher({ ...elsewhere, TSS_DATA_DIR: path.join(dataDir, 'bad'), TSS_BASE_PORT: 'abc', TSS_METRICS_BASE_PORT: '70000', LOG_LEVEL: 'loud', KAFKA_SESSION_TIMEOUT_MS: '5000', TSS_PG_PORT_WAIT_MS: '-1' }),
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
