import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const MAIN = path.resolve(__dirname, 'notification-process-main.ts');
const REPO_ROOT = path.resolve(__dirname, '../../../..');

export interface NotificationProcess {
  child: ChildProcess;
  /** Resolves once it printed that it runs; rejects if it exits first. */
  ready: Promise<void>;
  exited: Promise<number | null>;
  output: () => string;
}

/** notification alone in a process of its own on `databaseUrl` (`notification-process-main.ts`), `env` added to the test's. */
export const startNotificationProcess = (databaseUrl: string, env: NodeJS.ProcessEnv): NotificationProcess => {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, KAFKA_BROKERS: 'unused:9092', LOG_LEVEL: 'warn', PORT: '0', METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('notification is running')) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output.slice(-4_000)}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, ready, exited, output: () => output };
};
