import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedPostgres } from '@tss/persistence';
import { waitFor } from '@tss/service-kit/testing';
import { holdPort, ownFreePort, type HeldPort } from '../support/held-port';
import { embeddedServerPid, processAlive, startPlatformProcess, type PlatformProcess } from '../support/platform-process';
import { entryPointArgs } from '@tss/runtime/testing';

const REPO = path.resolve(__dirname, '../../../..');
const MAIN = path.join(REPO, 'services/single-process/src/main.ts');

const logLines = (output: string): { level: number; msg: string; [field: string]: unknown }[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string });

/** `npm start` with exactly `env` (plus PATH): its exit code and what it left on stderr. */
const runPlatform = (env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, entryPointArgs(MAIN), { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });

const waitingLine = (port: number, seconds: number) => `TSS_PG_PORT ${port} is in use; waiting up to ${seconds} s for it`;

// An outside soak test: `npm start` failed at once because TSS_PG_PORT, inside the ephemeral port
// range, had been given to another program's outgoing connection as its local port; a minute later
// nothing listened there (docs/adr/0006, addendum of 2026-12-05, fifth session).
describe('`npm start` whose TSS_PG_PORT is taken at start', () => {
  const dataDirs: string[] = [];
  const started: PlatformProcess[] = [];
  const held: HeldPort[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tss-pg-port-taken-'));
    dataDirs.push(dir);
    return dir;
  };
  const hold = async () => {
    const port = await holdPort();
    held.push(port);
    return port;
  };
  const start = async (env: Record<string, string>) => {
    const proc = startPlatformProcess(
      { PORT: String(await ownFreePort()), METRICS_PORT: '0', LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '120000', ...env },
      { without: ['DATABASE_URL', 'REDIS_URL', 'KAFKA_BROKERS'], ownProcessGroup: true },
    );
    started.push(proc);
    // A test that ends it before it is ready (Ctrl-C while waiting) awaits its exit instead.
    proc.ready.catch(() => undefined);
    return proc;
  };
  /** Until the platform logs that it waits for its port; fails at once if it exits first (as before the wait). */
  const waitingSaid = (proc: PlatformProcess, port: number, seconds: number) =>
    Promise.race([
      waitFor('the waiting line', () => logLines(proc.output()).some((l) => l.msg === waitingLine(port, seconds)), { timeoutMs: 90_000, intervalMs: 100 }),
      proc.exited.then((code) => {
        throw new Error(`exited with ${code} before it said it waits: ${proc.output().slice(-2_000)}`);
      }),
    ]);

  afterAll(async () => {
    for (const proc of started) {
      try {
        process.kill(-(proc.child.pid as number), 'SIGKILL');
      } catch {
        // the group is gone already
      }
    }
    for (const port of held) await port.release();
    for (const dir of dataDirs) {
      const pid = embeddedServerPid(dir);
      if (pid !== undefined && processAlive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('waits for it: one line at warn, and once the port is free the start completes', async () => {
    const taken = await hold();
    const dir = dataDir();
    const proc = await start({ TSS_DATA_DIR: dir, TSS_PG_PORT: String(taken.port), TSS_PG_PORT_WAIT_MS: '600000' });

    await waitingSaid(proc, taken.port, 600);
    await taken.release();
    await proc.ready;

    expect(logLines(proc.output()).filter((l) => l.msg.startsWith(`TSS_PG_PORT ${taken.port} is in use`))).toEqual([
      expect.objectContaining({ level: 40, setting: 'TSS_PG_PORT', port: taken.port, waitMs: 600_000 }),
    ]);
    const server = embeddedServerPid(dir)!;
    expect(processAlive(server)).toBe(true);
    process.kill(-(proc.child.pid as number), 'SIGINT');
    expect(await proc.exited).toBe(0);
    expect(processAlive(server)).toBe(false);
  }, 180_000);

  it('Ctrl-C while it waits stops it at once: exit 0, no server left', async () => {
    const taken = await hold();
    const dir = dataDir();
    // Ten minutes' wait: only the Ctrl-C can end it within the test.
    const proc = await start({ TSS_DATA_DIR: dir, TSS_PG_PORT: String(taken.port), TSS_PG_PORT_WAIT_MS: '600000' });
    await waitingSaid(proc, taken.port, 600);

    process.kill(-(proc.child.pid as number), 'SIGINT');
    expect(await proc.exited).toBe(0);
    const server = embeddedServerPid(dir);
    expect(server === undefined || !processAlive(server)).toBe(true);
  }, 180_000);

  it('a second platform on the same data folder still fails at once, however long it may wait for the port', async () => {
    const dir = dataDir();
    const port = await ownFreePort();
    // The first platform's server: this test process owns it (TSS_DATA_DIR/postgres.owner).
    const first = new EmbeddedPostgres({ dataDir: dir, port, fsync: false });
    await first.start();
    try {
      const second = await runPlatform({ TSS_DATA_DIR: dir, TSS_PG_PORT: String(port), TSS_PG_PORT_WAIT_MS: '600000', PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'info' });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`the data folder ${dir} is in use: process ${process.pid} runs its PostgreSQL`);
      expect(second.stdout + second.stderr).not.toContain('waiting up to');
    } finally {
      await first.stop();
    }
  }, 150_000);

  it('TSS_PG_PORT_WAIT_MS is checked at start: not a whole number of ms from 0 to an hour, exit 78 naming it', async () => {
    const taken = await hold();
    const runs = await Promise.all(
      ['soon', '-1', '3600001'].map((value) => runPlatform({ TSS_DATA_DIR: dataDir(), TSS_PG_PORT: String(taken.port), TSS_PG_PORT_WAIT_MS: value, PORT: '0', METRICS_PORT: '0' })),
    );
    expect(runs.map((run) => run.code)).toEqual([78, 78, 78]);
    runs.forEach((run, i) => expect(run.stderr).toContain(`  - TSS_PG_PORT_WAIT_MS=${['"soon"', '-1', '3600001'][i]}: `));
  }, 150_000);
});
