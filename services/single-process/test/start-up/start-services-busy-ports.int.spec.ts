import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SERVICE_PROCESSES } from '../../src/start-services';
import { connectionTrap, type ConnectionTrap } from '../support/connection-trap';
import { holdPortAt, LAUNCHER_PORT_BLOCK, ownFreePorts, type HeldPort } from '../support/held-port';

const REPO = path.resolve(__dirname, '../../../..');
const LAUNCHER = path.join(REPO, 'deploy/local/start-services.ts');
const STACK_FRAME = /^\s+at /m;
const IN_USE = 'is in use (EADDRINUSE): another process listens there';

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run start:services` with exactly `env` (plus PATH). */
const runLauncher = (env: Record<string, string>): Promise<Exit> =>
  new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', LAUNCHER], { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 150_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });

/** The ports one launcher places, apart from every other run's: services, metrics, the broker and its controller, PostgreSQL. */
interface Placed {
  base: number;
  metrics: number;
  kafka: number;
  pg: number;
  env: Record<string, string>;
}

const place = async (): Promise<Placed> => {
  const first = await ownFreePorts(2 * SERVICE_PROCESSES.length + 3, LAUNCHER_PORT_BLOCK);
  const placed = { base: first, metrics: first + SERVICE_PROCESSES.length, kafka: first + 2 * SERVICE_PROCESSES.length, pg: first + 2 * SERVICE_PROCESSES.length + 2 };
  return {
    ...placed,
    env: { TSS_BASE_PORT: String(placed.base), TSS_METRICS_BASE_PORT: String(placed.metrics), KAFKA_PORT: String(placed.kafka), TSS_PG_PORT: String(placed.pg), LOG_LEVEL: 'warn' },
  };
};

// An outside test: a second `npm run start:services` whose ports another running platform held
// started PostgreSQL and Kafka, printed the other platform's address with a new admin secret, then
// restarted its gateway for ever ("PORT 18200 … in use", "starting it again in 1 s", "2 s", …).
// README: "a port another process holds stops it with one line naming the setting".
describe('start:services: a port another process holds, found before anything starts', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-launcher-busy-'));
  // As root, PostgreSQL runs as the postgres user, who must reach the data folders inside.
  chmodSync(dataDir, 0o755);
  let database: ConnectionTrap;
  let broker: ConnectionTrap;
  const held: HeldPort[] = [];
  const runs: Record<string, { exit: Exit; port: number; dataDir: string }> = {};

  /** Holds `port` for the whole suite: another process listening there. */
  const hold = async (port: number): Promise<number> => {
    const one = await holdPortAt(port);
    if (!one) throw new Error(`port ${port} was taken before the test could hold it`);
    held.push(one);
    return port;
  };

  beforeAll(async () => {
    database = await connectionTrap();
    broker = await connectionTrap();
    // PostgreSQL and the broker "elsewhere", at ports that hang up: a launcher that went on would
    // migrate or connect there (one try: DB_CONNECT_TIMEOUT_MS=0), and they count it.
    const elsewhere = { DATABASE_URL: `postgres://tss:secret@${database.address}/tss`, KAFKA_BROKERS: broker.address, DB_CONNECT_TIMEOUT_MS: '0' };
    // Were the ports not checked first, the broker's script would run: a version it refuses at once
    // keeps it from resolving and fetching anything.
    const noBroker = { KAFKA_VERSION: 'none' };
    const [services, metrics, controller, postgres] = await Promise.all([place(), place(), place(), place()]);
    const cases = {
      // sla-timer's port (the third service): TSS_BASE_PORT + 2.
      service: { placed: services, port: await hold(services.base + 2), env: elsewhere },
      metrics: { placed: metrics, port: await hold(metrics.metrics + 4), env: elsewhere },
      // The broker's controller listens on KAFKA_PORT + 1; the launcher starts the broker (no KAFKA_BROKERS).
      controller: { placed: controller, port: await hold(controller.kafka + 1), env: { DATABASE_URL: elsewhere.DATABASE_URL, DB_CONNECT_TIMEOUT_MS: '0', ...noBroker } },
      // Not waited for (TSS_PG_PORT_WAIT_MS=0); the embedded PostgreSQL (no DATABASE_URL).
      postgres: { placed: postgres, port: await hold(postgres.pg), env: { KAFKA_BROKERS: broker.address, TSS_PG_PORT_WAIT_MS: '0' } },
    };
    const exits = await Promise.all(
      Object.entries(cases).map(([name, c]) => runLauncher({ ...c.placed.env, ...c.env, TSS_DATA_DIR: path.join(dataDir, name) })),
    );
    Object.keys(cases).forEach((name, i) => (runs[name] = { exit: exits[i], port: cases[name as keyof typeof cases].port, dataDir: path.join(dataDir, name) }));
  }, 300_000);

  afterAll(async () => {
    for (const one of held) await one.release();
    await database?.close();
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const lastLine = (exit: Exit) => exit.stderr.trimEnd().split('\n').at(-1);

  it.each([
    ['service', (port: number) => `TSS_BASE_PORT ${port} on 127.0.0.1 ${IN_USE} (${SERVICE_PROCESSES[2].name}'s PORT: TSS_BASE_PORT + 2)`],
    ['metrics', (port: number) => `TSS_METRICS_BASE_PORT ${port} on 127.0.0.1 ${IN_USE} (${SERVICE_PROCESSES[4].name}'s METRICS_PORT: TSS_METRICS_BASE_PORT + 4)`],
    ['controller', (port: number) => `KAFKA_PORT ${port} on 127.0.0.1 ${IN_USE} (the broker's controller: KAFKA_PORT + 1)`],
    ['postgres', (port: number) => `TSS_PG_PORT ${port} on 127.0.0.1 ${IN_USE}`],
  ])('%s: one line naming the setting and the port, no stack, exit 1', (name, line) => {
    const { exit, port } = runs[name];
    expect({ code: exit.code, line: lastLine(exit) }).toEqual({ code: 1, line: `start:services failed: ${line(port)}` });
    expect(exit.stderr).not.toMatch(STACK_FRAME);
  });

  it.each(['service', 'metrics', 'controller', 'postgres'])('%s: nothing started, nothing written: no database or broker reached, no data folder, no banner', (name) => {
    const { exit, dataDir: folder } = runs[name];
    expect({ dataFolder: existsSync(folder), banner: exit.stdout.includes('is running at') }).toEqual({ dataFolder: false, banner: false });
  });

  it('no launcher reached the database or the broker', () => {
    expect(database.connections() + broker.connections()).toBe(0);
  });
});
