import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from '@tss/service-kit/testing';
import { embeddedServerPid, processAlive, startPlatformProcess, type PlatformProcess } from '../support/platform-process';

const logLines = (output: string): Record<string, unknown>[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

// An outside test killed `npm start`'s embedded PostgreSQL (kill -INT): nothing was logged, and
// readiness stayed 503 until the developer restarted everything (docs/adr/0006, fifth session).
describe('`npm start` whose embedded PostgreSQL dies', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-pg-dies-'));
  let proc: PlatformProcess | undefined;

  afterAll(() => {
    if (proc && proc.child.exitCode === null) proc.child.kill('SIGKILL');
    const pid = embeddedServerPid(dataDir);
    if (pid !== undefined && processAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs the exit at error level at once, restarts the server, is ready again, and still stops cleanly', async () => {
    const port = await freePort();
    proc = startPlatformProcess(
      { TSS_DATA_DIR: dataDir, TSS_PG_PORT: String(await freePort()), PORT: String(port), METRICS_PORT: '0', LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '120000' },
      { without: ['DATABASE_URL', 'REDIS_URL', 'KAFKA_BROKERS'], ownProcessGroup: true },
    );
    await proc.ready;
    const readiness = async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status;
    expect(await readiness()).toBe(200);
    const first = embeddedServerPid(dataDir)!;

    process.kill(first, 'SIGINT');
    await waitFor(
      'the exit logged at error level',
      () => logLines(proc!.output()).some((l) => l.level === 50 && l.msg === 'embedded PostgreSQL exited unexpectedly; restarting it'),
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    await waitFor(
      'a new server, and readiness back',
      async () => {
        const now = embeddedServerPid(dataDir);
        return now !== undefined && now !== first && processAlive(now) && (await readiness()) === 200;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    // The same helper as start:services': told once, at warn, with how long it was down.
    expect(logLines(proc.output()).filter((l) => l.msg === 'embedded PostgreSQL restarted')).toEqual([
      expect.objectContaining({ level: 40, downMs: expect.any(Number) as unknown }),
    ]);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    const second = embeddedServerPid(dataDir)!;
    process.kill(-(proc.child.pid as number), 'SIGINT');
    expect(await proc.exited).toBe(0);
    expect(processAlive(second)).toBe(false);
    expect(proc.output()).not.toContain('shutdown timed out');
  }, 240_000);
});
