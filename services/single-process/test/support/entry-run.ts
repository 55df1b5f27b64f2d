import { spawn } from 'node:child_process';
import path from 'node:path';

const REPO = path.resolve(__dirname, '../../../..');

/** A services-mode or single-process entry point's source (`single-process`, `ticket-intake`, …). */
export const entry = (service: string): string => path.join(REPO, 'services', service, 'src', 'main.ts');

export interface EntryRun {
  /** The exit code; `running` when it started serving instead (it is then stopped). */
  outcome: number | null | 'running' | 'neither exited nor served';
  stdout: string;
  stderr: string;
}

/** An entry point with exactly `env` (plus PATH), until it exits or says it serves. */
export const runUntilServing = (file: string, env: Record<string, string>): Promise<EntryRun> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let running = false;
    let stuck = false;
    const deadline = setTimeout(() => {
      stuck = true;
      child.kill('SIGKILL');
    }, 120_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // The single process's banner, a service's fastify line.
      if (!running && /TSS is running|Server listening/.test(stdout)) {
        running = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(deadline);
      resolve({ outcome: running ? 'running' : stuck ? 'neither exited nor served' : code, stdout, stderr });
    });
  });
