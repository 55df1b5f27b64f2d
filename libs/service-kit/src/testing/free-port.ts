import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { randomInt } from 'node:crypto';

/** Lowest port handed out: above the well-known services a test machine may run (Kafka 9092, Redis 6379, Jaeger 4318, …). */
const LOWEST = 20_000;

/**
 * Where the kernel's ephemeral range starts: the local ports it gives outgoing connections (and
 * `listen(0)`). A port found with `listen(0)` lies in that range, so between the probe and the
 * server's own `listen` an outgoing connection of a parallel test may take it as its local port:
 * a services-mode start failed in CI with EADDRINUSE that way. Test ports come from below it.
 */
const ephemeralStart = (): number => {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && low > LOWEST + 1_000 ? low : 32_768;
  } catch {
    return 32_768; // not Linux: the common default
  }
};

const isFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * `count` consecutive TCP ports on 127.0.0.1 that nothing listens on right now, below the
 * ephemeral range and picked at random (parallel test processes rarely pick the same), for a
 * launcher that gives process i the port base + i. Bounded: gives up after 100 tries.
 */
export const freePortRange = async (count: number): Promise<number> => {
  const end = ephemeralStart();
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const base = randomInt(LOWEST, end - count);
    let free = true;
    for (let port = base; port < base + count && free; port += 1) free = await isFree(port);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports found between ${LOWEST} and ${end}`);
};

/** A TCP port on 127.0.0.1 that nothing listens on right now, outside the ephemeral range (above). */
export const freePort = (): Promise<number> => freePortRange(1);
