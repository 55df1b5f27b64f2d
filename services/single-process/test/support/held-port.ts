import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:net';

export interface HeldPort {
  port: number;
  /** Stops listening: the port is free again. Safe to call twice. */
  release(): Promise<void>;
}

const listenOn = (server: Server, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });

/** Ports of some suites' own, below the ephemeral range: [from, to). */
export interface PortBlock {
  from: number;
  to: number;
}

/** The TSS_PG_PORT suites' block. */
export const PG_PORT_BLOCK: PortBlock = { from: 26_000, to: 27_000 };
/** The block of start:services' busy-port suites. */
export const LAUNCHER_PORT_BLOCK: PortBlock = { from: 27_000, to: 28_000 };

const heldPort = (port: number, server: Server): HeldPort => ({
  port,
  release: () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
});

/** `port` held by a server of the test's own, or undefined when something else holds it. */
export const holdPortAt = async (port: number): Promise<HeldPort | undefined> => {
  const server = createServer();
  return (await listenOn(server, port)) ? heldPort(port, server) : undefined;
};

/**
 * A port of `block` (26000–26999 unless given: below the ephemeral range) held by a server of the
 * test's own, as another process holds TSS_PG_PORT: taken atomically, no probe-then-use race.
 */
export const holdPort = async (block: PortBlock = PG_PORT_BLOCK): Promise<HeldPort> => {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const held = await holdPortAt(randomInt(block.from, block.to));
    if (held) return held;
  }
  throw new Error(`no free port in ${block.from}-${block.to - 1}`);
};

/** A port of `block` nothing listens on now (held, then let go). */
export const ownFreePort = async (block: PortBlock = PG_PORT_BLOCK): Promise<number> => {
  const held = await holdPort(block);
  await held.release();
  return held.port;
};

/** The first of `count` consecutive ports of `block` nothing listens on now (each held, then let go). */
export const ownFreePorts = async (count: number, block: PortBlock): Promise<number> => {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const first = randomInt(block.from, block.to - count + 1);
    const held: HeldPort[] = [];
    for (let port = first; port < first + count; port += 1) {
      const one = await holdPortAt(port);
      if (!one) break;
      held.push(one);
    }
    for (const one of held) await one.release();
    if (held.length === count) return first;
  }
  throw new Error(`no ${count} consecutive free ports in ${block.from}-${block.to - 1}`);
};
