import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pngBytes } from '@tss/blob-storage/testing';
import { sampleTicket, entryPointArgs } from '@tss/runtime/testing';

const MAIN = path.resolve(__dirname, '../../src/main.ts');
const REPO_ROOT = path.resolve(__dirname, '../../../..');

export interface PlatformProcess {
  child: ChildProcess;
  /** Resolves once the platform printed that it runs; rejects if it exits first. */
  ready: Promise<void>;
  exited: Promise<number | null>;
  output: () => string;
}

/**
 * The whole platform as `npm start` runs it (`services/single-process/src/main.ts`), a process of
 * its own: the test's environment less `without`, plus `env`. `viaNpm`: started by `npm start`
 * itself, so `child` is npm's process, as a supervisor that ran the README's command holds it.
 */
export const startPlatformProcess = (env: NodeJS.ProcessEnv, options: { without?: readonly string[]; ownProcessGroup?: boolean; viaNpm?: boolean } = {}): PlatformProcess => {
  const inherited = { ...process.env };
  for (const name of options.without ?? []) delete inherited[name];
  const [command, args] = options.viaNpm ? ['npm', ['start', '--silent']] : [process.execPath, entryPointArgs(MAIN)];
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A terminal's foreground job: Ctrl-C is sent to its whole group (process.kill(-pid)).
    detached: options.ownProcessGroup === true,
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('TSS is running')) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output.slice(-4_000)}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, ready, exited, output: () => output };
};

/** Files a sample ticket (`overrides` on it) under a fresh Idempotency-Key; throws when the connection fails. */
export const fileSampleTicket = async (base: string, token: string, overrides: Record<string, unknown> = {}): Promise<{ status: number; id?: string; body: unknown }> => {
  const response = await fetch(`${base}/v1/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify(sampleTicket(overrides)),
  });
  const body = (await response.json()) as { id?: string };
  return { status: response.status, id: response.status === 201 ? body.id : undefined, body };
};

/** Uploads a small PNG to a ticket; `id` is the attachment's when it was stored (201). */
export const uploadSampleAttachment = async (base: string, token: string, ticketId: string): Promise<{ status: number; id?: string; bytes: Buffer }> => {
  const bytes = pngBytes();
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), 'screen.png');
  const response = await fetch(`${base}/v1/tickets/${ticketId}/attachments`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const body = (await response.json()) as { items?: { id: string }[] };
  return { status: response.status, id: response.status === 201 ? body.items?.[0]?.id : undefined, bytes };
};

/** Where the filesystem storage keeps an attachment's bytes under its folder (`blobKey('attachments', …)`). */
export const attachmentFile = (attachmentDir: string, a: { partnerId: string; ticketId: string; id: string }): string =>
  path.join(attachmentDir, 'attachments', a.partnerId, a.ticketId, a.id);

/** The embedded server's pid, from its cluster's `postmaster.pid`, once it has one. */
export const embeddedServerPid = (dataDir: string): number | undefined => {
  const file = path.join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
};

/** Whether a process of this pid is still there (signal 0 checks without sending). */
export const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
