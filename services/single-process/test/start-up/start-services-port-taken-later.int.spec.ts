import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { waitFor } from '@tss/service-kit/testing';
import { SERVICE_PROCESSES, startServices, type RunningServices } from '../../src/start-services';
import { holdPortAt, LAUNCHER_PORT_BLOCK, ownFreePort, ownFreePorts, type HeldPort } from '../support/held-port';
import { processAlive } from '../support/platform-process';
import { testBundles } from '@tss/runtime/testing';

const IN_USE = 'is in use (EADDRINUSE): another process listens there';

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

/** Whether `schema` exists in the database at `url`: a service's migrations have been applied there. */
const schemaExists = async (url: string, schema: string): Promise<boolean> => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ found: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS found', [schema]);
    return rows[0].found;
  } finally {
    await client.end();
  }
};

/** Another platform's gateway, as far as a probe can tell: 200 to every request. */
const answeringServer = async (port: number): Promise<Server> => {
  const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
};

// An outside test: with its ports held by another running platform, `npm run start:services` took
// the other platform's gateway answering /healthz for its own, printed that platform's address, and
// then restarted its gateway, which could not listen, for ever. A port taken after the launcher's
// check (between it and the service's listen) is told by the service itself.
describe('start:services: a port taken after the check', () => {
  const dataDirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tss-launcher-later-'));
    dataDirs.push(dir);
    return dir;
  };
  const databases: TestDatabase[] = [];
  const database = async (label: string, from?: 'empty') => {
    const db = await createTestDatabase(label, from ? { from } : {});
    databases.push(db);
    return db;
  };
  let running: RunningServices | undefined;
  let foreign: Server | undefined;
  let held: HeldPort | undefined;

  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await new Promise<void>((resolve) => (foreign?.listening ? foreign.close(() => resolve()) : resolve()));
    await held?.release();
  }, 120_000);
  afterAll(async () => {
    for (const db of databases) await db.drop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  const options = async (databaseUrl: string, lines: string[]) => ({
    dataDir: dataDir(),
    basePort: await ownFreePorts(SERVICE_PROCESSES.length, LAUNCHER_PORT_BLOCK),
    metricsBasePort: 0,
    pgPort: 0,
    databaseUrl,
    kafkaPort: 0,
    // No broker: the services listen, and their consumers keep trying (none is needed here).
    kafkaBrokers: `127.0.0.1:${await ownFreePort(LAUNCHER_PORT_BLOCK)}`,
    bundles: testBundles(),
    logLevel: 'warn',
    write: (line: string) => lines.push(line),
  });

  it("readiness is its own child's: another server answering on the gateway's port fails the start with the line naming the setting; no service is left running", async () => {
    const db = await database('launcher_readiness', 'empty');
    const lines: string[] = [];
    const given = await options(db.url, lines);
    const outcome = startServices(given).then(
      (started) => {
        running = started;
        return 'started';
      },
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    // After the check (it comes before anything) and before any service runs (after every service's migrations).
    await waitFor("the gateway's migrations", () => schemaExists(db.url, 'gateway'), { timeoutMs: 120_000, intervalMs: 50 });
    foreign = await answeringServer(given.basePort);

    expect(await outcome).toBe(`TSS_BASE_PORT ${given.basePort} on 127.0.0.1 ${IN_USE} (gateway's PORT: TSS_BASE_PORT)`);
    const stillListening = [];
    for (let i = 1; i < SERVICE_PROCESSES.length; i += 1) if (await listening(given.basePort + i)) stillListening.push(SERVICE_PROCESSES[i].name);
    expect(stillListening).toEqual([]);
  }, 240_000);

  it('a service started again after a crash, its port taken meanwhile, is not started again: the platform stops, its failure naming the setting', async () => {
    const lines: string[] = [];
    const given = { ...(await options((await database('launcher_restart')).url, lines)), restartDelayMs: 5_000 };
    running = await startServices(given);
    const last = SERVICE_PROCESSES.length - 1;
    const { name } = SERVICE_PROCESSES[last];
    const port = given.basePort + last;
    const crashed = running.pids[name];

    process.kill(crashed, 'SIGKILL');
    await waitFor(`${name} gone`, () => !processAlive(crashed));
    // Taken before the pause ends (5 s) and the launcher starts it again.
    held = await waitFor(`${name}'s port held`, () => holdPortAt(port), { timeoutMs: 4_000 });
    const pids = running.pids;
    await waitFor('every service stopped', () => SERVICE_PROCESSES.every((s) => !processAlive(pids[s.name])), { timeoutMs: 120_000, intervalMs: 100 });

    expect((await running.failure).message).toBe(`TSS_BASE_PORT ${port} on 127.0.0.1 ${IN_USE} (${name}'s PORT: TSS_BASE_PORT + ${last})`);
    expect(lines.filter((line) => line.startsWith(`[start:services] ${name} exited`))).toEqual([
      `[start:services] ${name} exited (signal SIGKILL); starting it again in 5 s`,
      `[start:services] ${name} exited (code 1): its port is taken, so it is not started again; stopping everything`,
    ]);
  }, 300_000);
});
