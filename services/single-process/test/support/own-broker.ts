import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@tss/service-kit/testing';

const run = promisify(execFile);
const BROKER_SCRIPT = path.resolve(__dirname, '../../../../deploy/kafka/kafka-broker.sh');

/**
 * `deploy/kafka/kafka-broker.sh <command>` under the test's environment and `env` over it: a broker a
 * suite starts, stops and restarts itself, so stopping it disturbs no other suite.
 */
export const brokerScript = (command: string, env: NodeJS.ProcessEnv, timeoutMs = 150_000) =>
  run('bash', [BROKER_SCRIPT, command], { env: { ...process.env, ...env }, timeout: timeoutMs });

/** A free port whose next one is free too: the broker listens on it, its controller on port + 1. */
export const brokerPort = async (): Promise<number> => {
  for (;;) {
    const port = await freePort();
    if (port < 65_000 && (await freePort()) !== port + 1) return port;
  }
};
