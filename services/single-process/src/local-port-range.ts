import { readFile } from 'node:fs/promises';

/** Where Linux says which local ports it gives outgoing connections (and `listen(0)`). */
export const LOCAL_PORT_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';

export interface PortRange {
  low: number;
  high: number;
}

/**
 * PostgreSQL of `npm run start:services`, over TCP: below every common ephemeral range (Linux
 * 32768–60999, IANA, Windows and macOS 49152–65535). Its former default, 54330, lay inside Linux's.
 * On such a port, while PostgreSQL is down, a service's retrying client may be given PostgreSQL's
 * port as its own local port and connect to itself (a TCP simultaneous open: `ESTAB
 * 127.0.0.1:55300 127.0.0.1:55300` in an outside test), and PostgreSQL cannot bind it again until
 * that connection ends (docs/adr/0006, addendum of 2026-12-05, second session).
 */
export const SERVICES_MODE_PG_PORT = 25432;

/**
 * PostgreSQL of `npm start`: below the ephemeral ranges too, for the same reason, and beside
 * start:services' but not on it, so the two launchers' servers never contend for one port. Its
 * former default, 54320, lay inside them: an outgoing connection of another program was given it
 * in an outside soak test, and the start failed. The platform reaches its server through a
 * Unix-domain socket; TCP is for psql and the like. A data folder does not record the port: one
 * made on 54320 starts on this one with its data (docs/adr/0006, addendum of 2026-12-05, fifth
 * session).
 */
export const SINGLE_PROCESS_PG_PORT = 25431;

/** The range in `file` (two integers), or undefined where there is none (not Linux) or it cannot be read. */
export const readLocalPortRange = async (file = LOCAL_PORT_RANGE_FILE): Promise<PortRange | undefined> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined; // not Linux, or no /proc: nothing to check against
  }
  const [low, high] = text.trim().split(/\s+/).map(Number);
  return Number.isInteger(low) && Number.isInteger(high) && low <= high ? { low, high } : undefined;
};

export const inRange = (port: number, range: PortRange): boolean => port >= range.low && port <= range.high;
