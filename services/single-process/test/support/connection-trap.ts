import { createServer, type Server } from 'node:net';

export interface ConnectionTrap {
  /** host:port to put where a database or broker address goes. */
  address: string;
  /** How many connections were made to it. */
  connections(): number;
  close(): Promise<void>;
}

/** A TCP port that accepts and hangs up at once, counting connections: a dependency that is "down". */
export const connectionTrap = async (): Promise<ConnectionTrap> => {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { address: `127.0.0.1:${port}`, connections: () => connections, close: () => new Promise((resolve) => server.close(() => resolve())) };
};
