import { Type } from '@sinclair/typebox';
import { listenAs } from '@tss/runtime';
import type { Logger } from '@tss/service-kit';
import { inRange, LOCAL_PORT_RANGE_FILE, readLocalPortRange } from './local-port-range';

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
  /** Where the kernel's ephemeral port range is read (a warning when `port` lies in it); tests give their own. */
  localPortRangeFile?: string;
  /** TSS_PG_PORT_WAIT_MS. */
  waitMs: number;
  logger: Logger;
  /** Aborted (Ctrl-C during start-up): a wait for the port ends at once. */
  signal?: AbortSignal;
}

/**
 * A port inside the ephemeral range may be given to any outgoing connection of the machine as its
 * local port: another program's for a moment (an outside soak test: `npm start` failed), or a
 * client retrying PostgreSQL while it is down, which then connects to itself and holds the port
 * for minutes (start:services, an outside test). PostgreSQL cannot listen on it meanwhile. A port
 * the user chose stays as given: this says so once (docs/adr/0006, addenda of 2026-12-05, second
 * and fifth sessions).
 */
export const warnOfEphemeralPgPort = async (port: number, logger: Logger, rangeFile = LOCAL_PORT_RANGE_FILE): Promise<void> => {
  const range = await readLocalPortRange(rangeFile);
  if (!range || !inRange(port, range)) return;
  logger.warn(
    { port, localPortRange: `${range.low}-${range.high}`, rangeFile },
    `TSS_PG_PORT ${port} lies in this machine's ephemeral port range (${range.low}-${range.high}): any outgoing connection may be given that port as its own (a client retrying PostgreSQL while it is down may connect to itself), and PostgreSQL cannot listen on it until that connection ends; choose a port below ${range.low}`,
  );
};

/**
 * Starts a launcher's embedded PostgreSQL (`server`) on TSS_PG_PORT: a warning first when the port
 * lies in the ephemeral range, then a wait of up to `waitMs` while another process holds it.
 * Whatever else refuses the start (the data folder another platform runs on: its `postgres.owner`
 * or `postgres.starting`) fails it at once, as before.
 */
export const startOnPgPort = async (server: { start(): Promise<void> }, options: PgPortOptions): Promise<void> => {
  await warnOfEphemeralPgPort(options.port, options.logger, options.localPortRangeFile);
  await listenAs('TSS_PG_PORT', { host: '127.0.0.1', port: options.port }, () => server.start(), { waitMs: options.waitMs, logger: options.logger, signal: options.signal });
};
