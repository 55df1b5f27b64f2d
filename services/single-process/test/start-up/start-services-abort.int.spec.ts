import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, freePortRange, waitFor } from '@tss/service-kit/testing';
import { startServices, SERVICE_PROCESSES } from '../../src/start-services';

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

// `npm run start:services` stopped by Ctrl-C while it starts: what it started so far is stopped
// (here the embedded PostgreSQL), and the start rejects; nothing is left listening.
describe('start:services stopped during start-up', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-start-abort-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops the PostgreSQL it started and rejects, once aborted', async () => {
    const pgPort = await freePort();
    const aborted = new AbortController();
    const lines: string[] = [];
    const started = startServices({
      dataDir,
      basePort: await freePortRange(SERVICE_PROCESSES.length),
      metricsBasePort: 0,
      pgPort,
      kafkaPort: 0,
      // A broker address nobody needs: the abort comes before any service runs.
      kafkaBrokers: '127.0.0.1:1',
      logLevel: 'warn',
      write: (line) => lines.push(line),
      signal: aborted.signal,
    });
    const outcome = started.then(
      () => 'started',
      (error: unknown) => String(error),
    );
    await waitFor('the embedded PostgreSQL to listen', async () => (await listening(pgPort)) || undefined, { timeoutMs: 60_000 });
    aborted.abort();

    expect(await outcome).toContain('stopped during start-up');
    expect(await listening(pgPort)).toBe(false);
  }, 120_000);
});
