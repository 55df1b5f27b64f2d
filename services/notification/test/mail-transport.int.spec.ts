import type { Socket } from 'node:net';
import { connectWithoutNagle, smtpAttemptBoundMs, smtpTimeoutsOf, smtpTransport } from '../src/use-cases/mail-transport';
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

// RFC 5321 §4.5.3.2.6: the reply to the end of DATA may take 10 minutes. A shorter wait gave a slow
// server's mail up after its data was sent, and it was sent again (the recipient got it twice).
describe('SMTP transport: how long it waits for the server (MAIL_SMTP_*_TIMEOUT_MS)', () => {
  const REPLY_DELAY_MS = 600;
  let slow: SmtpSink;
  beforeAll(async () => {
    slow = await startSmtpSink({ replyDelayMs: REPLY_DELAY_MS });
  });
  afterAll(() => slow.close());

  const mailTo = (to: string) => ({ from: 'support@tss.test', to, subject: 's', text: 't', html: '<p>t</p>', messageId: `<${to}>` });

  it('a reply later than the configured reply timeout is a transient failure; one within it is sent', async () => {
    const impatient = smtpTransport({ host: '127.0.0.1', port: slow.port, secure: false, replyTimeoutMs: REPLY_DELAY_MS / 3 });
    const patient = smtpTransport({ host: '127.0.0.1', port: slow.port, secure: false, replyTimeoutMs: REPLY_DELAY_MS * 5 });
    try {
      expect(await impatient.send(mailTo('impatient@client.example'))).toMatchObject({ kind: 'transient' });
      expect(await patient.send(mailTo('patient@client.example'))).toMatchObject({ kind: 'sent' });
    } finally {
      impatient.close();
      patient.close();
    }
  });

  it('waits as RFC 5321 says unless configured otherwise: 5 minutes for the greeting, 10 for a reply', () => {
    expect(smtpTimeoutsOf({})).toEqual({ connectTimeoutMs: 30_000, greetingTimeoutMs: 300_000, replyTimeoutMs: 600_000 });
    expect(smtpAttemptBoundMs({})).toBe(930_000);
  });
});
