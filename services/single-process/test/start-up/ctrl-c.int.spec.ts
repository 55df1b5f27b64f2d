import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from '@tss/service-kit/testing';
import { embeddedServerPid, processAlive, startPlatformProcess, type PlatformProcess } from '../support/platform-process';

/**
 * `npm start` on its embedded PostgreSQL, stopped as a terminal stops it: Ctrl-C is a SIGINT to the
 * whole foreground process group, and npm and tsx relay it to the platform once more. The server
 * is in a group of its own (docs/adr/0006, addendum of 2026-12-04, third session), so the platform
 * must stop it, whenever the Ctrl-C comes.
 */
describe('Ctrl-C on `npm start` with the embedded PostgreSQL', () => {
  const dataDirs: string[] = [];
  const started: PlatformProcess[] = [];

  afterAll(() => {
    for (const proc of started) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    for (const dir of dataDirs) {
      const pid = embeddedServerPid(dir);
      if (pid !== undefined && processAlive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const start = async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-ctrl-c-'));
    dataDirs.push(dataDir);
    const proc = startPlatformProcess(
      // A loaded machine (CI beside other suites) may take long to start and drain: time is not what is tested.
      { TSS_DATA_DIR: dataDir, TSS_PG_PORT: String(await freePort()), PORT: String(await freePort()), METRICS_PORT: '0', LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '120000' },
      { without: ['DATABASE_URL', 'REDIS_URL', 'KAFKA_BROKERS'], ownProcessGroup: true },
    );
    started.push(proc);
    return { dataDir, proc };
  };
  const ctrlC = (proc: PlatformProcess) => process.kill(-(proc.child.pid as number), 'SIGINT');

  it('drains every service on its database, then stops the server, even when the SIGINT comes twice', async () => {
    const { dataDir, proc } = await start();
    await proc.ready;
    const server = embeddedServerPid(dataDir);
    expect(server).toBeDefined();
    ctrlC(proc);
    // The wrapper's copy comes once the platform has begun to stop (two at once would be one).
    await waitFor('the platform stopping', () => proc.output().includes('"msg":"stopping"'));
    proc.child.kill('SIGINT');
    expect({ code: await proc.exited, log: '' }).toEqual({ code: 0, log: '' });
    const log = proc.output();
    // Every service's workers closed before the server, and the server by the platform.
    const closed = (component: string) => log.indexOf(`"component":"${component}","msg":"closed"`);
    for (const service of ['gateway', 'ticket-intake', 'sla-timer', 'notification', 'escalation', 'rating']) {
      expect({ service, closedAt: closed(`${service}:workers`) > 0 }).toEqual({ service, closedAt: true });
      expect(closed(`${service}:workers`)).toBeLessThan(closed('embedded-postgres'));
    }
    expect(log).not.toMatch(/"level":50/);
    expect(processAlive(server as number)).toBe(false);
  }, 240_000);

  it('during start-up, leaves no server behind', async () => {
    const { dataDir, proc } = await start();
    proc.ready.catch(() => undefined); // it exits before it is ready, as it should
    // The server runs; the platform is still migrating or starting its services.
    const server = await waitFor('the embedded server started', () => embeddedServerPid(dataDir), { timeoutMs: 180_000 });
    expect(proc.output()).not.toContain('TSS is running');
    ctrlC(proc);
    await proc.exited;
    await waitFor('the server stopped', () => !processAlive(server), { timeoutMs: 30_000 });
  }, 240_000);
});
