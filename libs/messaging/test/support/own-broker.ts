import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@tss/service-kit/testing';

const run = promisify(execFile);
const BROKER_SCRIPT = path.resolve(__dirname, '../../../../deploy/kafka/kafka-broker.sh');

/** A free port whose next one is free too: the broker listens on it, its controller on port + 1. */
const brokerPort = async (): Promise<number> => {
  for (;;) {
    const port = await freePort();
    if (port < 65_000 && (await bindable(port + 1))) return port;
  }
};

/** Whether nothing listens on `port` (127.0.0.1) now. */
const bindable = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * A broker of the suite's own (`deploy/kafka/kafka-broker.sh`), in a run folder of its own, so
 * what the suite does to it (SIGSTOP) disturbs no other suite and no parent's broker.
 */
export const ownBroker = async () => {
  const port = await brokerPort();
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'tss-own-broker-'));
  const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_RUN_DIR: runDir };
  await run('bash', [BROKER_SCRIPT, 'start'], { env, timeout: 150_000 });
  const pid = Number(readFileSync(path.join(runDir, 'kafka.pid'), 'utf8').trim());
  return {
    address: `127.0.0.1:${port}`,
    /** Signals the broker's JVM: SIGSTOP hangs it (connections stay open, nothing answers), SIGCONT resumes it. */
    signal: (name: 'SIGSTOP' | 'SIGCONT') => process.kill(pid, name),
    destroy: async () => {
      process.kill(pid, 'SIGCONT');
      await run('bash', [BROKER_SCRIPT, 'stop'], { env, timeout: 60_000 });
      rmSync(runDir, { recursive: true, force: true });
    },
  };
};
