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
  /** Leave the head unfinished (no blank line): a client that never ends its headers. */
  headUnfinished?: boolean;
  /** Then one more byte every this many milliseconds, as a client trickling its body does. */
  trickleEveryMs?: number;
}): Promise<RawAnswer> =>
  new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const socket = connect(options.port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (options.until === 'answer') socket.destroy();
    });
    // A trickling client may write as the server closes (EPIPE, ECONNRESET): what it received still resolves, at 'close'.
    socket.on('error', (error) => (options.trickleEveryMs ? undefined : reject(error)));
    const trickle = options.trickleEveryMs ? setInterval(() => socket.writable && socket.write('x'), options.trickleEveryMs) : undefined;
    socket.on('close', () => {
      clearInterval(trickle);
      const [head, ...body] = Buffer.concat(received).toString('utf8').split('\r\n\r\n');
      resolve({ head, body: body.join('\r\n\r\n'), tookMs: performance.now() - startedAt });
    });
    setTimeout(() => socket.destroy(), options.giveUpMs).unref();
    socket.write(`${options.head.join('\r\n')}\r\n${options.headUnfinished ? '' : '\r\n'}`);
    socket.write(options.firstBytes);
  });
