import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { holdPort, type HeldPort } from '../support/held-port';

const REPO = path.resolve(__dirname, '../../../..');
const MAIN = path.join(REPO, 'services/single-process/src/main.ts');
const STACK_FRAME = /^\s+at /m;

/** `npm start` with exactly `env` (plus PATH): its exit code and what it left on stdout and stderr. */
const runPlatform = (env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN], { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
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
