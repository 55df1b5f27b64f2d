import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import { EmbeddedPostgres } from '../src/embedded-postgres';

/** A port of 26000–26999 held by a server of the test's own, so PostgreSQL finds it taken. */
const holdPort = async (): Promise<{ port: number; server: Server }> => {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = randomInt(26_000, 27_000);
    const server = createServer();
    const held = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (held) return { port, server };
  }
  throw new Error('no free port in 26000-26999');
};

// The launchers try a start again while TSS_PG_PORT is taken (docs/adr/0006, addendum of
// 2026-12-05, fifth session): every refused start left a process 'exit' listener behind, so the
// eleventh made node print a MaxListenersExceededWarning in the middle of the wait.
describe('embedded PostgreSQL on a port another process holds', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-pg-busy-port-'));
  let pg: EmbeddedPostgres | undefined;
  let holder: Server | undefined;

  afterAll(async () => {
    await pg?.stop();
    await new Promise((resolve) => (holder?.listening ? holder.close(resolve) : resolve(undefined)));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses each start with EADDRINUSE and leaves no exit listener behind; once the port is free it starts', async () => {
    const { port, server } = await holdPort();
    holder = server;
    pg = new EmbeddedPostgres({ dataDir, port, fsync: false });
    await pg.initialise();
    const listenersBefore = process.listenerCount('exit');

    const refusals: unknown[] = [];
    for (let attempt = 0; attempt < 12; attempt += 1) refusals.push(await pg.start().then(() => 'started', (error: unknown) => (error as { code?: unknown }).code));
    expect({ refusals, exitListenersLeft: process.listenerCount('exit') - listenersBefore }).toEqual({ refusals: Array(12).fill('EADDRINUSE'), exitListenersLeft: 0 });

    await new Promise((resolve) => server.close(resolve));
    await pg.start();
    expect(process.listenerCount('exit') - listenersBefore).toBe(1); // the running server's own
    await pg.stop();
    expect(process.listenerCount('exit') - listenersBefore).toBe(0);
  }, 60_000);
});
