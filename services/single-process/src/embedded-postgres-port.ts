import { Type } from '@sinclair/typebox';
import { listenAs } from '@tss/runtime';
import type { Logger } from '@tss/service-kit';

/** TSS_PG_PORT_WAIT_MS unless set: the bound of the wait below. */
export const PG_PORT_WAIT_MS = 30_000;

/**
 * TSS_PG_PORT_WAIT_MS of `npm start` and `npm run start:services`: how long a TSS_PG_PORT another
 * process holds at start is waited for. An outgoing connection of any program on the machine may be
 * given a port inside the ephemeral range as its local port for a moment (an outside soak test), and
 * PostgreSQL's own port is held so while it stops; neither should fail a start that a few seconds
 * later would succeed (docs/adr/0006, addendum of 2026-12-05, fifth session).
 */
export const TssPgPortWaitMs = Type.Integer({
  minimum: 0,
  maximum: 3_600_000,
  default: PG_PORT_WAIT_MS,
  description: 'How long a TSS_PG_PORT another process holds at start is waited for before the start fails; 0: fail at once; at most an hour',
});

export interface PgPortOptions {
  port: number;
  /** TSS_PG_PORT_WAIT_MS. */
  waitMs: number;
  logger: Logger;
  /** Aborted (Ctrl-C during start-up): a wait for the port ends at once. */
  signal?: AbortSignal;
}

/**
 * Starts the launcher's embedded PostgreSQL (`server`) on TSS_PG_PORT, waiting up to `waitMs` while
 * another process holds the port. Whatever else refuses the start (the data folder another
 * platform runs on: its `postgres.owner` or `postgres.starting`) fails it at once, as before.
 */
export const startOnPgPort = (server: { start(): Promise<void> }, options: PgPortOptions): Promise<void> =>
  listenAs('TSS_PG_PORT', { host: '127.0.0.1', port: options.port }, () => server.start(), { waitMs: options.waitMs, logger: options.logger, signal: options.signal });
