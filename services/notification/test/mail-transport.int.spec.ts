import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { connectWithoutNagle, smtpTransport } from '../src/use-cases/mail-transport';

/** A local SMTP server (smtp-server) that keeps the subjects it received. */
const startServer = async () => {
  const subjects: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        subjects.push(/^Subject: (.*)$/im.exec(Buffer.concat(chunks).toString('utf8'))?.[1] ?? '');
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.server.address() as AddressInfo).port, subjects, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
};

/** Node keeps whether Nagle is off under an internal symbol; there is no public getter. */
const nagleOff = (socket: Socket): unknown => {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'kSetNoDelay');
  return key ? (socket as unknown as Record<symbol, unknown>)[key] : 'unknown';
};

const connect = (server: { host: string; port: number }, timeoutMs = 5_000) =>
  new Promise<{ error: Error | null; socket?: Socket }>((resolve) => connectWithoutNagle(server, timeoutMs)(undefined, (error, options) => resolve({ error, socket: options?.connection })));

describe('SMTP transport: the connection to the server', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('hands nodemailer a connected socket with Nagle off, so pipelined commands do not wait for delayed ACKs', async () => {
    const { error, socket } = await connect({ host: '127.0.0.1', port: server.port });
    expect(error).toBeNull();
    expect(socket?.remotePort).toBe(server.port);
    expect(nagleOff(socket!)).toBe(true);
    socket!.destroy();
  });

  it('answers the connection error for a server that is not there, not a socket', async () => {
    const closed = await startServer();
    await closed.close();
    const { error, socket } = await connect({ host: '127.0.0.1', port: closed.port });
    expect(socket).toBeUndefined();
    expect((error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('sends every mail through pooled connections made that way', async () => {
    const transport = smtpTransport({ host: '127.0.0.1', port: server.port, secure: false, maxConnections: 2 });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          transport.send({ from: 'support@tss.test', to: `r${i}@client.test`, subject: `[TSS-${i}] received`, text: 'text', html: '<p>html</p>', messageId: `<m${i}@tss.test>` }),
        ),
      );
      expect(outcomes.map((o) => o.kind)).toEqual(Array(6).fill('sent'));
      expect([...server.subjects].sort()).toEqual(Array.from({ length: 6 }, (_, i) => `[TSS-${i}] received`));
    } finally {
      transport.close();
    }
  });
});
