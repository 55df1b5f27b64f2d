import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const REPO = path.resolve(__dirname, '../../../..');
const MAIN = path.join(REPO, 'services/single-process/src/main.ts');
const STACK_FRAME = /^\s+at /m;

/** `npm start` with exactly `env` (plus PATH): its exit code and what it left on stderr. */
const runPlatform = (env: Record<string, string>): Promise<{ code: number | null; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN], { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 }, (error, _stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr }),
    );
  });

// The embedded PostgreSQL's port taken by another process: `postgres exited with code 1` and the
// server's log, under a stack (docs/adr/0015, addendum of 2026-12-05, fourth session).
describe('start-up: the single process on a port another process holds', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-busy-ports-'));
  let busy: Server;
  let port: number;

  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    port = (busy.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => busy?.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a busy TSS_PG_PORT: one line naming the setting and what happened, no stack, exit 1', async () => {
    const { code, stderr } = await runPlatform({ TSS_DATA_DIR: dataDir, TSS_PG_PORT: String(port), PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'warn' });
    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n').at(-1)).toBe(`TSS failed to start: TSS_PG_PORT ${port} on 127.0.0.1 is in use (EADDRINUSE): another process listens there`);
    expect(stderr).not.toMatch(STACK_FRAME);
  }, 150_000);
});
