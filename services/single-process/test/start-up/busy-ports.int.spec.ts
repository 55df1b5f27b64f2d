import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { holdPort, ownFreePort, type HeldPort } from '../support/held-port';
import { entryPointArgs } from '@tss/runtime/testing';

const REPO = path.resolve(__dirname, '../../../..');
const MAIN = path.join(REPO, 'services/single-process/src/main.ts');
const STACK_FRAME = /^\s+at /m;

/** `npm start` with exactly `env` (plus PATH): its exit code and what it left on stdout and stderr. */
const runPlatform = (env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, entryPointArgs(MAIN), { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });

// The embedded PostgreSQL's port taken by another process: `postgres exited with code 1` and the
// server's log, under a stack (docs/adr/0015, addendum of 2026-12-05, fourth session). It is now
// waited for first, up to TSS_PG_PORT_WAIT_MS (docs/adr/0006, addendum of 2026-12-05, fifth session).
describe('start-up: the single process on a port another process holds', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-busy-ports-'));
  let busy: HeldPort;

  beforeAll(async () => {
    busy = await holdPort();
  });
  afterAll(async () => {
    await busy?.release();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const inUse = () => `TSS failed to start: TSS_PG_PORT ${busy.port} on 127.0.0.1 is in use (EADDRINUSE): another process listens there`;

  it('a busy TSS_PG_PORT with TSS_PG_PORT_WAIT_MS=0: at once, one line naming the setting and what happened, no stack, exit 1', async () => {
    const { code, stdout, stderr } = await runPlatform({ TSS_DATA_DIR: dataDir, TSS_PG_PORT: String(busy.port), TSS_PG_PORT_WAIT_MS: '0', PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'warn' });
    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n').at(-1)).toBe(inUse());
    expect(stderr).not.toMatch(STACK_FRAME);
    expect(stdout + stderr).not.toContain('waiting up to');
  }, 150_000);

  it('a TSS_PG_PORT still busy when the wait is up: the waiting line, then the same one-line failure, exit 1', async () => {
    const { code, stdout, stderr } = await runPlatform({ TSS_DATA_DIR: dataDir, TSS_PG_PORT: String(busy.port), TSS_PG_PORT_WAIT_MS: '1500', PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'warn' });
    expect(code).toBe(1);
    const logged = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(logged).toEqual([`TSS_PG_PORT ${busy.port} is in use; waiting up to 1.5 s for it`]);
    expect(stderr.trimEnd().split('\n').at(-1)).toBe(inUse());
    expect(stderr).not.toMatch(STACK_FRAME);
  }, 150_000);
});

// An outside re-test: `npm start` with PORT held by another process (or on a HOST that is not this
// machine's) started embedded PostgreSQL first, initialising the data folder, and failed only at
// its listen. Its listeners are now checked before anything starts or is written, as start:services
// checks its ports (docs/adr/0006, addendum of 2026-12-05, sixth session).
describe("start-up: the single process's own listeners, checked before PostgreSQL starts", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-busy-listeners-'));
  // As root, PostgreSQL runs as the postgres user, who must reach the data folders inside.
  chmodSync(dataDir, 0o755);
  const held: HeldPort[] = [];
  const runs: Record<string, { code: number | null; stdout: string; stderr: string; port: number; folder: string }> = {};

  beforeAll(async () => {
    const hold = async () => {
      const one = await holdPort();
      held.push(one);
      return one.port;
    };
    const [port, metrics, pg] = [await hold(), await hold(), await hold()];
    const cases: Record<string, { port: number; env: Record<string, string> }> = {
      port: { port, env: { PORT: String(port), METRICS_PORT: '0' } },
      // Unset METRICS_PORT would be PORT + 1000: given here, as the one busy.
      metrics: { port: metrics, env: { PORT: '0', METRICS_PORT: String(metrics) } },
      // TEST-NET-3 (RFC 5737): no address of this machine.
      host: { port: 0, env: { HOST: '203.0.113.7', PORT: '0', METRICS_PORT: '0' } },
      // Not waited for: PostgreSQL's own start, the first step, used to initialise the folder before it failed to bind.
      postgres: { port: pg, env: { TSS_PG_PORT: String(pg), TSS_PG_PORT_WAIT_MS: '0', PORT: '0', METRICS_PORT: '0' } },
    };
    const exits = await Promise.all(
      Object.entries(cases).map(async ([name, c]) =>
        runPlatform({ TSS_PG_PORT: String(await ownFreePort()), ...c.env, TSS_DATA_DIR: path.join(dataDir, name), LOG_LEVEL: 'warn' }),
      ),
    );
    Object.entries(cases).forEach(([name, c], i) => (runs[name] = { ...exits[i], port: c.port, folder: path.join(dataDir, name) }));
  }, 150_000);
  afterAll(async () => {
    for (const one of held) await one.release();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['port', (port: number) => `PORT ${port} on 127.0.0.1 is in use (EADDRINUSE): another process listens there`],
    ['metrics', (port: number) => `METRICS_PORT ${port} on 127.0.0.1 is in use (EADDRINUSE): another process listens there`],
    ['host', () => 'HOST 203.0.113.7 is no address of this machine (EADDRNOTAVAIL)'],
    ['postgres', (port: number) => `TSS_PG_PORT ${port} on 127.0.0.1 is in use (EADDRINUSE): another process listens there`],
  ])('%s: one line naming the setting, no stack, exit 1; nothing started or written (no data folder)', (name, line) => {
    const { code, stderr, port, folder } = runs[name];
    expect({ code, line: stderr.trimEnd().split('\n').at(-1), dataFolder: existsSync(folder) }).toEqual({ code: 1, line: `TSS failed to start: ${line(port)}`, dataFolder: false });
    expect(stderr).not.toMatch(STACK_FRAME);
  });
});
