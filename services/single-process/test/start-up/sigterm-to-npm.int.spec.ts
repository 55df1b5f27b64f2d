import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from '@tss/service-kit/testing';
import { embeddedServerPid, processAlive, startPlatformProcess, type PlatformProcess } from '../support/platform-process';

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

/**
 * A supervisor (systemd, `timeout`, a CI job) that ran the README's `npm start` signals the pid it
 * started: npm's. npm passes SIGTERM to the shell of its script, and the shell must hand it on
 * (`exec`), or the platform is orphaned, its embedded PostgreSQL and its ports kept.
 */
describe('SIGTERM to the npm process of `npm start`', () => {
  let dataDir: string;
  let proc: PlatformProcess | undefined;

  afterAll(() => {
    // The whole group: a platform orphaned by a failed hand-on keeps npm's process group.
    try {
      if (proc?.child.pid !== undefined) process.kill(-proc.child.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
    const pid = embeddedServerPid(dataDir);
    if (pid !== undefined && processAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops the platform and its embedded PostgreSQL, and frees its port', async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-sigterm-npm-'));
    const port = await freePort();
    proc = startPlatformProcess(
      { TSS_DATA_DIR: dataDir, TSS_PG_PORT: String(await freePort()), PORT: String(port), METRICS_PORT: '0', LOG_LEVEL: 'info' },
      { without: ['DATABASE_URL', 'REDIS_URL', 'KAFKA_BROKERS'], viaNpm: true, ownProcessGroup: true },
    );
    await proc.ready;
    const server = embeddedServerPid(dataDir);
    expect(server).toBeDefined();

    proc.child.kill('SIGTERM'); // npm's pid alone, not its process group
    await proc.exited;
    await waitFor('the platform stopped: its port closed', async () => !(await listening(port)), { timeoutMs: 60_000 });
    await waitFor('the embedded server stopped', () => !processAlive(server as number), { timeoutMs: 60_000 });
  }, 240_000);
});
