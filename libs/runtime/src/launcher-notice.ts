import type { RefusedListener } from './listen-failure';

/**
 * What a service process tells the process that started it over an IPC channel, when one did
 * (`npm run start:services`; in a cluster there is none, and nothing is sent): that it listens, or
 * that a listener of its settings could not open. Told by the child itself, not found by probing
 * its port: an answer on that port may be another process's (another platform's gateway), and a
 * port refused is a setting to fix, not a crash to restart (docs/adr/0006, addendum of
 * 2026-12-05, fifth session, later).
 */
export type LauncherNotice = { type: 'tss.listening'; port: number; metricsPort: number } | ({ type: 'tss.cannot-listen' } & RefusedListener);

/**
 * Set by the launcher in its children's environment: notices are wanted on the IPC channel. Not a
 * setting; without it nothing is sent, so another parent with a channel of its own (a Jest worker,
 * tsx's watch mode, a process manager) never receives a message it does not expect.
 */
export const LAUNCHER_NOTICES_ENV = 'TSS_LAUNCHER_NOTICES';

/** Tells the launcher, if one started this process and asked for notices; resolves once sent (or when there is none to tell). */
export const tellLauncher = (notice: LauncherNotice, env: NodeJS.ProcessEnv = process.env): Promise<void> =>
  new Promise((resolve) => {
    if (env[LAUNCHER_NOTICES_ENV] !== 'ipc' || !process.send || !process.connected) {
      resolve();
      return;
    }
    // The callback's error is only ever the launcher gone meanwhile: nobody is left to tell.
    process.send(notice, undefined, {}, () => resolve());
  });

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** A message from a child process that is one of these notices (a child may send others). */
export const isLauncherNotice = (message: unknown): message is LauncherNotice => {
  if (!isRecord(message)) return false;
  if (message.type === 'tss.listening') return typeof message.port === 'number' && typeof message.metricsPort === 'number';
  return (
    message.type === 'tss.cannot-listen' &&
    typeof message.setting === 'string' &&
    typeof message.host === 'string' &&
    typeof message.port === 'number' &&
    typeof message.code === 'string'
  );
};
