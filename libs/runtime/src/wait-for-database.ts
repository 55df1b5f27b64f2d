import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { isConnectionFailure } from '@tss/service-kit';

export interface WaitForDatabaseOptions {
  url: string;
  /** DB_CONNECT_TIMEOUT_MS: how long to wait in all before giving up. */
  timeoutMs: number;
  logger: Logger;
  /** Aborted (SIGTERM): the wait ends at once, rejecting with the abort. */
  signal?: AbortSignal;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** A wait is logged when it starts, then at most this often. */
  logIntervalMs?: number;
}

/** PostgreSQL did not accept connections within DB_CONNECT_TIMEOUT_MS. */
export class DatabaseUnreachable extends Error {
  constructor(timeoutMs: number, attempts: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`PostgreSQL (DATABASE_URL) did not accept connections within ${timeoutMs} ms (DB_CONNECT_TIMEOUT_MS), ${attempts} attempts; last: ${reason}`, { cause });
  }
}
DatabaseUnreachable.prototype.name = 'DatabaseUnreachable';

// The server answered and said no to this URL: class 28 (a wrong user or password, or pg_hba.conf),
// 3D000 (no such database), 42501 (no CONNECT privilege). Waiting changes none of these.
const REFUSALS = /^(28[0-9A-Z]{3}|3D000|42501)$/;

/** PostgreSQL refused DATABASE_URL's user, password or database: a setting to fix, not a fault. */
export class DatabaseRefused extends Error {
  constructor(cause: { message: string; code: string }) {
    super(`PostgreSQL refused DATABASE_URL: ${cause.message} (SQLSTATE ${cause.code})`, { cause });
  }
}
DatabaseRefused.prototype.name = 'DatabaseRefused';

const asRefusal = (error: unknown): DatabaseRefused | undefined => {
  const { code, message } = typeof error === 'object' && error !== null ? (error as { code?: unknown; message?: unknown }) : {};
  return typeof code === 'string' && REFUSALS.test(code) && typeof message === 'string' ? new DatabaseRefused({ code, message }) : undefined;
};

const tryConnecting = async (url: string, connectTimeoutMs: number): Promise<void> => {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  // A server going away under the probe emits 'error' besides rejecting: the rejection is handled.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    // Closing a client whose connect failed rejects again with the same failure, already handled above.
    await client.end().catch(() => undefined);
  }
};

/**
 * Until PostgreSQL accepts a connection and answers (DESIGN: services start whatever the order in
 * which they and their dependencies start). Only a connection failure is waited out, with
 * doubling pauses; any other error is thrown at once (a wrong password or a missing database as
 * DatabaseRefused), and so is DatabaseUnreachable once `timeoutMs` is spent. Elapsed time is the
 * monotonic clock's: this is a wait on the machine, not a time of the domain.
 */
export const waitForDatabase = async (options: WaitForDatabaseOptions): Promise<void> => {
  const { url, timeoutMs, logger, signal } = options;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  const logIntervalMs = options.logIntervalMs ?? 30_000;
  const startedAt = performance.now();
  let pauseMs = options.firstDelayMs ?? 250;
  let loggedAtMs: number | undefined;
  for (let attempt = 1; ; attempt += 1) {
    signal?.throwIfAborted();
    const remainingMs = timeoutMs - (performance.now() - startedAt);
    try {
      await tryConnecting(url, Math.max(1_000, Math.min(5_000, remainingMs)));
      if (loggedAtMs !== undefined) logger.info({ attempts: attempt, waitedMs: Math.round(performance.now() - startedAt) }, 'PostgreSQL accepts connections');
      return;
    } catch (error) {
      if (!isConnectionFailure(error)) throw asRefusal(error) ?? error;
      const waitedMs = performance.now() - startedAt;
      if (waitedMs >= timeoutMs) throw new DatabaseUnreachable(timeoutMs, attempt, error);
      if (loggedAtMs === undefined || waitedMs - loggedAtMs >= logIntervalMs) {
        loggedAtMs = waitedMs;
        const reason = error instanceof Error ? error.message : String(error);
        logger.warn({ attempts: attempt, waitedMs: Math.round(waitedMs), timeoutMs }, `waiting for PostgreSQL (${reason}); giving up after DB_CONNECT_TIMEOUT_MS`);
      }
      await delay(Math.min(pauseMs, timeoutMs - waitedMs), undefined, { signal });
      pauseMs = Math.min(pauseMs * 2, maxDelayMs);
    }
  }
};
