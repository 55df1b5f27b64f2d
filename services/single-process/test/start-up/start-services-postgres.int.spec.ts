import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, freePortRange, waitFor } from '@tss/service-kit/testing';
import { startServices, SERVICE_PROCESSES, type RunningServices } from '../../src/start-services';
import { holdPort } from '../support/held-port';
import { embeddedServerPid, processAlive } from '../support/platform-process';
import { testBundles } from '@tss/runtime/testing';

/** The launcher's own lines: `[start:services] {json}`. */
const launcherLines = (lines: readonly string[]): { level: number; msg: string; [field: string]: unknown }[] =>
  lines.filter((line) => line.startsWith('[start:services] {')).map((line) => JSON.parse(line.slice('[start:services] '.length)) as { level: number; msg: string });

// An outside test of `npm run start:services`: its PostgreSQL, on a port inside Linux's ephemeral
// range, could not listen again for 3 minutes after it went down, because a service's retrying
// client had been given that port as its own and connected to itself; and a server that died was
// neither logged nor restarted, while `npm start` does both (docs/adr/0006).
describe('start:services: its embedded PostgreSQL', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-services-pg-'));
  const lines: string[] = [];
  let running: RunningServices | undefined;
  let pgPort: number;

  beforeAll(async () => {
    // Taken by another process when the launcher starts (an outgoing connection given it as its
    // local port, in an outside test): waited for, then let go (docs/adr/0006, fifth session).
    const taken = await holdPort();
    pgPort = taken.port;
    // A port below the machine's real range (no test takes an ephemeral one), declared inside it here.
    const rangeFile = path.join(dataDir, 'ip_local_port_range');
    writeFileSync(rangeFile, `${pgPort - 10}\t60999\n`);
    const starting = startServices({
      dataDir,
      basePort: await freePortRange(SERVICE_PROCESSES.length),
      metricsBasePort: 0,
      pgPort,
      pgPortWaitMs: 600_000,
      kafkaPort: 0,
      // No broker: the services listen, and their consumers keep trying (none is needed here).
      kafkaBrokers: `127.0.0.1:${await freePort()}`,
      // start:services' default: the level a user watching it sees (the recovery line must show there).
      bundles: testBundles(),
      logLevel: 'warn',
      write: (line) => lines.push(line),
      localPortRangeFile: rangeFile,
    });
    const failed = (error: unknown) => {
      throw new Error(`start:services failed: ${String(error)}\n${lines.slice(-40).join('\n')}`);
    };
    // The line, or the start's failure (as before the wait: at once, naming TSS_PG_PORT).
    await Promise.race([
      waitFor('the line saying TSS_PG_PORT is waited for', () => launcherLines(lines).some((l) => l.msg.startsWith(`TSS_PG_PORT ${pgPort} is in use`)), { timeoutMs: 60_000, intervalMs: 50 }),
      starting.then(() => failed('it started on a port another process held'), failed),
    ]).finally(() => taken.release());
    running = await starting.catch(failed);
  }, 240_000);

  afterAll(async () => {
    await running?.stop();
    const pid = embeddedServerPid(dataDir);
    if (pid !== undefined && processAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('warns when TSS_PG_PORT lies in the ephemeral port range, and keeps the port given', () => {
    const warnings = launcherLines(lines).filter((l) => l.level === 40 && l.msg.includes('ephemeral port range'));
    expect(warnings).toEqual([
      expect.objectContaining({
        port: pgPort,
        localPortRange: `${pgPort - 10}-60999`,
        msg: expect.stringContaining(`TSS_PG_PORT ${pgPort} lies in this machine's ephemeral port range`) as unknown,
      }),
    ]);
    expect(running?.databaseUrl).toContain(`:${pgPort}/`);
  });

  it('waits for a TSS_PG_PORT taken at start: one line at warn, then PostgreSQL listens on it', () => {
    expect(launcherLines(lines).filter((l) => l.msg.startsWith(`TSS_PG_PORT ${pgPort} is in use`))).toEqual([
      expect.objectContaining({ level: 40, msg: `TSS_PG_PORT ${pgPort} is in use; waiting up to 600 s for it`, port: pgPort, waitMs: 600_000 }),
    ]);
    expect(running?.databaseUrl).toBe(`postgres://postgres:postgres@127.0.0.1:${pgPort}/tss`);
  });

  it('logs a server that dies at error level at once, starts it again, and the services are ready again; the stop still stops it', async () => {
    const readiness = async () => (await fetch(`${running!.urls.rating}/readyz`).catch(() => undefined))?.status;
    expect(await readiness()).toBe(200);
    const first = embeddedServerPid(dataDir)!;

    process.kill(first, 'SIGINT');
    await waitFor(
      'the exit logged at error level',
      () => launcherLines(lines).some((l) => l.level === 50 && l.msg === 'embedded PostgreSQL exited unexpectedly; restarting it'),
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    await waitFor(
      'a new server, and a service ready again',
      async () => {
        const now = embeddedServerPid(dataDir);
        return now !== undefined && now !== first && processAlive(now) && (await readiness()) === 200;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    // Told once, at warn, with how long it was down (docs/adr/0006, third session of 2026-12-05).
    expect(launcherLines(lines).filter((l) => l.msg === 'embedded PostgreSQL restarted')).toEqual([
      expect.objectContaining({ level: 40, downMs: expect.any(Number) as unknown }),
    ]);

    const second = embeddedServerPid(dataDir)!;
    await running!.stop();
    expect(processAlive(second)).toBe(false);
    expect(Object.values(running!.exits).map((exit) => exit.code)).toEqual(SERVICE_PROCESSES.map(() => 0));
  }, 180_000);
});
