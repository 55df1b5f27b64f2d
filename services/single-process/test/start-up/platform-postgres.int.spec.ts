import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import pino from 'pino';
import { logCapture } from '@tss/service-kit/testing';
import { startPlatformPostgres } from '../../src/platform-postgres';
import { ownFreePort } from '../support/held-port';

const query = async (url: string, sql: string): Promise<unknown[]> => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
};

// `npm start`'s PostgreSQL: its default port, 54320, lay inside Linux's ephemeral range, where an
// outgoing connection of any program may be given it as its own, and it said nothing of it, while
// start:services warned (docs/adr/0006, addendum of 2026-12-05, fifth session).
describe("`npm start`'s embedded PostgreSQL and its port", () => {
  const dirs: string[] = [];
  const folder = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tss-platform-pg-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('warns when TSS_PG_PORT lies in the ephemeral port range, once, and keeps the port given', async () => {
    const dataDir = folder();
    const port = await ownFreePort();
    // A port below the machine's real range, declared inside it here.
    const rangeFile = path.join(dataDir, 'ip_local_port_range');
    writeFileSync(rangeFile, `${port - 10}\t60999\n`);
    const { lines, stream } = logCapture();

    const { server, restarts } = await startPlatformPostgres({ dataDir, port, waitMs: 0, logger: pino({ level: 'info' }, stream), localPortRangeFile: rangeFile });
    try {
      expect(lines.filter((l) => l.msg.includes('ephemeral port range'))).toEqual([
        expect.objectContaining({
          level: 40,
          port,
          localPortRange: `${port - 10}-60999`,
          msg: expect.stringContaining(`TSS_PG_PORT ${port} lies in this machine's ephemeral port range (${port - 10}-60999)`) as unknown,
        }),
      ]);
      expect(server.tcpUrl()).toContain(`127.0.0.1:${port}/`);
    } finally {
      await restarts.stop();
      await server.stop();
    }
  }, 60_000);

  it('says nothing of a port below the range', async () => {
    const dataDir = folder();
    const port = await ownFreePort();
    const rangeFile = path.join(dataDir, 'ip_local_port_range');
    writeFileSync(rangeFile, '32768\t60999\n');
    const { lines, stream } = logCapture();

    const { server, restarts } = await startPlatformPostgres({ dataDir, port, waitMs: 0, logger: pino({ level: 'info' }, stream), localPortRangeFile: rangeFile });
    await restarts.stop();
    await server.stop();
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
  }, 60_000);

  // Why moving the default keeps an existing data folder: the cluster does not record its port
  // (given as `-p` at each start; postmaster.pid and the socket are made anew each time).
  it('a data folder made on one port starts on another with its data', async () => {
    const dataDir = folder();
    const logger = pino({ level: 'silent' });
    const before = await startPlatformPostgres({ dataDir, port: await ownFreePort(), waitMs: 0, logger });
    await query(before.server.url(), 'CREATE TABLE kept AS SELECT 42 AS answer');
    await before.restarts.stop();
    await before.server.stop();

    const after = await startPlatformPostgres({ dataDir, port: await ownFreePort(), waitMs: 0, logger });
    try {
      expect(await query(after.server.tcpUrl(), 'SELECT answer FROM kept')).toEqual([{ answer: 42 }]);
    } finally {
      await after.restarts.stop();
      await after.server.stop();
    }
  }, 60_000);
});
