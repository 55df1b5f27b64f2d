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

/**
 * A port of 26000–26999 (below the ephemeral range; these suites' own block) held by a server of
 * the test's own, as another process holds TSS_PG_PORT: taken atomically, no probe-then-use race.
 */
export const holdPort = async (): Promise<HeldPort> => {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = randomInt(26_000, 27_000);
    const server = createServer();
    if (await listenOn(server, port))
      return { port, release: () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())) };
  }
  throw new Error('no free port in 26000-26999');
};

/** A port of 26000–26999 nothing listens on now (held, then let go). */
export const ownFreePort = async (): Promise<number> => {
  const held = await holdPort();
  await held.release();
  return held.port;
};
