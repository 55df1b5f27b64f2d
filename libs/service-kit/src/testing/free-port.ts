import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const isFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * `count` consecutive TCP ports on 127.0.0.1 that nothing listens on right now (for a launcher
 * that gives process i the port base + i). Bounded: gives up after 50 tries.
 */
export const freePortRange = async (count: number): Promise<number> => {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = await freePort();
    if (base + count > 65_535) continue;
    let free = true;
    for (let port = base; port < base + count && free; port += 1) free = await isFree(port);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
};
