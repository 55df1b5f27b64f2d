import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { RunningPostgres } from '@tss/persistence';
import { systemClock, type Clock } from '@tss/service-kit';

export interface EmbeddedPostgresRestartOptions {
  logger: Logger;
  /** Pause before the first restart attempt; doubled after each failed one. */
  firstDelayMs?: number;
  /** Longest pause between attempts. */
  maxDelayMs?: number;
  /** Measures how long the server was down (`downMs` of the recovery's line). */
  clock?: Clock;
}

export interface EmbeddedPostgresRestarts {
  /** No further attempt; resolves once an attempt in flight has ended (then stop the server). */
  stop(): Promise<void>;
}

/**
 * `npm start`'s embedded PostgreSQL, started again whenever it exits without being asked to
 * (killed, crashed), as a supervisor would (docs/adr/0006, addendum of the fifth session). The
 * exit is logged at error level at once; attempts follow with doubling pauses up to `maxDelayMs`,
 * each failure logged, until one succeeds or `stop()`. The success is logged once, at warn, with
 * how long the server was down: whoever saw the outage at LOG_LEVEL warn (start:services' default)
 * sees it end (docs/adr/0006, addendum of 2026-12-05, third session). PostgreSQL's own crash
 * recovery makes the restarted cluster consistent; the pools reconnect on their own. Pauses are
 * the machine's timers: this is a wait on a process, not a time of the domain.
 */
export const restartEmbeddedPostgresOnExit = (server: RunningPostgres, options: EmbeddedPostgresRestartOptions): EmbeddedPostgresRestarts => {
  const { logger } = options;
  const firstDelayMs = options.firstDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const clock = options.clock ?? systemClock;
  const stopping = new AbortController();
  let restarting: Promise<void> | undefined;

  const restart = async (exitedAtMs: number): Promise<void> => {
    let pauseMs = firstDelayMs;
    for (let attempt = 1; !stopping.signal.aborted; attempt += 1) {
      try {
        await delay(pauseMs, undefined, { signal: stopping.signal });
      } catch {
        return; // stopped while pausing
      }
      try {
        await server.start();
        logger.warn({ attempt, downMs: clock.now().getTime() - exitedAtMs }, 'embedded PostgreSQL restarted');
        return;
      } catch (error) {
        pauseMs = Math.min(pauseMs * 2, maxDelayMs);
        logger.error({ err: error, attempt, retryInMs: pauseMs }, 'embedded PostgreSQL did not restart; trying again');
      }
    }
  };

  server.onUnexpectedExit((exit) => {
    if (stopping.signal.aborted) return;
    const exitedAtMs = clock.now().getTime();
    logger.error({ code: exit.code, signal: exit.signal, lastLog: exit.lastLog, firstRetryInMs: firstDelayMs }, 'embedded PostgreSQL exited unexpectedly; restarting it');
    restarting ??= restart(exitedAtMs).finally(() => {
      restarting = undefined;
    });
  });

  return {
    stop: async () => {
      stopping.abort();
      await restarting;
    },
  };
};
