import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, freePortRange, waitFor } from '@tss/service-kit/testing';
import { startServices, SERVICE_PROCESSES } from '../../src/start-services';
import { holdPort } from '../support/held-port';
import { testBundles } from '@tss/runtime/testing';

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
      bundles: testBundles(),
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

  // Waiting for a TSS_PG_PORT another process holds (docs/adr/0006, addendum of 2026-12-05, fifth session).
  it('ends a wait for a taken TSS_PG_PORT at once, and rejects, once aborted', async () => {
    const taken = await holdPort();
    const aborted = new AbortController();
    const lines: string[] = [];
    try {
      const outcome = startServices({
        dataDir,
        basePort: await freePortRange(SERVICE_PROCESSES.length),
        metricsBasePort: 0,
        pgPort: taken.port,
        // Ten minutes: only the abort can end it within the test.
        pgPortWaitMs: 600_000,
        kafkaPort: 0,
        kafkaBrokers: '127.0.0.1:1',
        bundles: testBundles(),
        logLevel: 'warn',
        write: (line) => lines.push(line),
        signal: aborted.signal,
      }).then(
        () => 'started',
        (error: unknown) => String(error),
      );
      await Promise.race([
        waitFor('the waiting line', () => lines.some((line) => line.includes(`"msg":"TSS_PG_PORT ${taken.port} is in use; waiting up to 600 s for it"`)), { timeoutMs: 60_000 }),
        outcome.then((ended) => {
          throw new Error(`the start ended before it said it waits: ${ended}`);
        }),
      ]);
      aborted.abort();

      expect(await outcome).toContain('stopped during start-up');
    } finally {
      await taken.release();
    }
  }, 120_000);
});
