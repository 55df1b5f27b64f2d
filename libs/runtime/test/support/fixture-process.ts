import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

const REPO = path.resolve(__dirname, '../../../..');

export interface StartedFixture {
  child: ChildProcess;
  /** stdout and stderr as they came. */
  output(): string;
  stderr(): string;
  running(): true;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>;
  /** SIGKILL when still running (a test's clean-up). */
  kill(): Promise<void>;
}

/** The fixture service (support/fixture-service.main.ts) as its own process, with `env` and nothing else but PATH and what every start needs. */
export const startFixture = (args: readonly string[], env: Record<string, string>): StartedFixture => {
  let output = '';
  let stderr = '';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixture-service.main.ts'), ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', METRICS_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    stderr += chunk.toString('utf8');
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null, atMs: performance.now() }));
  const running = (): true => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the fixture exited with ${child.exitCode ?? child.signalCode}:\n${output}`);
    return true;
  };
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  return { child, output: () => output, stderr: () => stderr, running, exited, kill };
};
