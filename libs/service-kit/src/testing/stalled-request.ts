import { connect } from 'node:net';

/** What a server sent on a connection, split at the end of its head. */
export interface RawAnswer {
  /** The status line and header fields, as sent. */
  head: string;
  body: string;
  tookMs: number;
}

/**
 * Sends a request's head and the first bytes of its body, then nothing more, as a stalled client
 * does; resolves with all the server sent once it closes the connection (or, `until: 'answer'`,
 * as soon as it answers), or whatever came after `giveUpMs`.
 */
export const sendStalledRequest = (options: {
  port: number;
  /** The request line and header fields, without the blank line that ends them. */
  head: readonly string[];
  firstBytes: Buffer;
  giveUpMs: number;
  until?: 'close' | 'answer';
}): Promise<RawAnswer> =>
  new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const socket = connect(options.port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (options.until === 'answer') socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, ...body] = Buffer.concat(received).toString('utf8').split('\r\n\r\n');
      resolve({ head, body: body.join('\r\n\r\n'), tookMs: performance.now() - startedAt });
    });
    setTimeout(() => socket.destroy(), options.giveUpMs).unref();
    socket.write(`${options.head.join('\r\n')}\r\n\r\n`);
    socket.write(options.firstBytes);
  });
