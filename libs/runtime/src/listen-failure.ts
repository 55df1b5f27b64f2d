import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '@tss/service-kit';

/**
 * Why a listen failed, by the error's code, as an operator reads it; undefined: not a listen
 * failure of a setting's making. `npm run start:services` words its own ports' failures with it.
 */
export const cannotListenReason = (code: string, setting: string, host: string, port: number): string | undefined => {
  switch (code) {
    case 'EADDRINUSE':
      return `${setting} ${port} on ${host} is in use (EADDRINUSE): another process listens there`;
    case 'EACCES':
      return `${setting} ${port} on ${host} may not be opened by this user (EACCES): ports below 1024 need privileges`;
    case 'EADDRNOTAVAIL':
      return `HOST ${host} is no address of this machine (EADDRNOTAVAIL)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return `HOST ${host} does not resolve to an address (${code})`;
    default:
      return undefined;
  }
};

/** The listener that could not open: its setting, address and the error's code (EADDRINUSE, …). */
export interface RefusedListener {
  setting: string;
  host: string;
  port: number;
  code: string;
}

/**
 * A listener of the process could not open on the address its settings give (a port another
 * process holds, a HOST that is not this machine's or does not resolve): a setting to fix, reported
 * in one line naming it (start-failure.ts), not a fault.
 */
export class CannotListen extends Error {
  constructor(
    message: string,
    cause: unknown,
    /** Which listener, for a launcher that started the process (launcher-notice.ts). */
    readonly refused?: RefusedListener,
  ) {
    super(message, { cause });
  }
}
CannotListen.prototype.name = 'CannotListen';

const codeOf = (error: unknown): string | undefined => {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
};

/** How long a port in use is waited for, and what the wait tells (`listenAs`). */
export interface PortInUseWait {
  /** How long in all before the failure; 0: none, fail at once. */
  waitMs: number;
  /** Told once, at warn, when the wait begins; at info when the port is had. */
  logger: Logger;
  /** Aborted (Ctrl-C during start-up): the wait ends at once, rejecting with the abort. */
  signal?: AbortSignal;
  /** Measures the wait (tests: a TestClock). */
  clock?: Clock;
  /** Between attempts (tests: one that moves their clock instead of waiting). */
  pause?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** First pause between attempts on a port in use, doubled up to the second. */
const FIRST_PAUSE_MS = 250;
const MAX_PAUSE_MS = 2_000;

const seconds = (ms: number): string => `${ms / 1_000} s`;

const pauseFor = (ms: number, signal?: AbortSignal): Promise<void> => delay(ms, undefined, { signal });

/**
 * Opens a listener (`listen`) on the port of `setting` and the host given; a failure the address
 * explains becomes CannotListen naming the setting (or HOST), any other is rethrown as it is.
 *
 * With `wait`, a port in use (EADDRINUSE) is tried again, with pauses growing from 250 ms to 2 s,
 * until `wait.waitMs` has passed since the first refusal: a port held for a moment (an outgoing connection of another
 * program given it as its local port) does not fail the start. Only that failure is waited out:
 * any other, such as a data folder another platform runs on, fails at once, and so does the port
 * still in use when the time is up, in the same line as without a wait (docs/adr/0006, addendum
 * of 2026-12-05, fifth session).
 */
export const listenAs = async <T>(setting: string, { host, port }: { host: string; port: number }, listen: () => Promise<T>, wait?: PortInUseWait): Promise<T> => {
  const clock = wait?.clock ?? systemClock;
  // From the first refusal: what the first attempt took before it (a first start's initdb, seconds
  // on a busy machine) is no wait for the port, and used to leave a short wait none at all.
  let refusedAtMs: number | undefined;
  let pauseMs = FIRST_PAUSE_MS;
  let waiting = false;
  for (;;) {
    wait?.signal?.throwIfAborted();
    try {
      const listening = await listen();
      if (waiting && refusedAtMs !== undefined) {
        const waitedMs = clock.now().getTime() - refusedAtMs;
        wait?.logger.info({ setting, host, port, waitedMs }, `${setting} ${port} is free again; waited ${seconds(waitedMs)}`);
      }
      return listening;
    } catch (error) {
      const code = codeOf(error);
      const reason = code === undefined ? undefined : cannotListenReason(code, setting, host, port);
      if (code === undefined || reason === undefined) throw error;
      refusedAtMs ??= clock.now().getTime();
      const waitedMs = clock.now().getTime() - refusedAtMs;
      if (wait === undefined || code !== 'EADDRINUSE' || waitedMs >= wait.waitMs) throw new CannotListen(reason, error, { setting, host, port, code });
      if (!waiting) {
        waiting = true;
        wait.logger.warn({ setting, host, port, waitMs: wait.waitMs }, `${setting} ${port} is in use; waiting up to ${seconds(wait.waitMs)} for it`);
      }
      await (wait.pause ?? pauseFor)(Math.min(pauseMs, wait.waitMs - waitedMs), wait.signal);
      pauseMs = Math.min(pauseMs * 2, MAX_PAUSE_MS);
    }
  }
};
