import type { Socket } from 'node:net';
import { connectWithoutNagle, smtpTransport } from '../src/use-cases/mail-transport';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink';

/** Node keeps whether Nagle is off under an internal symbol; there is no public getter. */
const nagleOff = (socket: Socket): unknown => {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'kSetNoDelay');
  return key ? (socket as unknown as Record<symbol, unknown>)[key] : 'unknown';
};

const connect = (server: { host: string; port: number }, timeoutMs = 5_000) =>
  new Promise<{ error: Error | null; socket?: Socket }>((resolve) => connectWithoutNagle(server, timeoutMs)(undefined, (error, options) => resolve({ error, socket: options?.connection })));

describe('SMTP transport: the connection to the server', () => {
  let server: SmtpSink;
  beforeAll(async () => {
    server = await startSmtpSink();
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
    const closed = await startSmtpSink();
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
      expect(server.received.map((mail) => mail.subject).sort()).toEqual(Array.from({ length: 6 }, (_, i) => `[TSS-${i}] received`));
    } finally {
      transport.close();
    }
  });
});
