import type { Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { smtpAttemptBoundMs, smtpTimeoutsOf, smtpTransport, socketWithoutNagle } from '../src/use-cases/mail-transport';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink';

/** Node keeps whether Nagle is off under an internal symbol; there is no public getter. */
const nagleOff = (socket: Socket): unknown => {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'kSetNoDelay');
  return key ? (socket as unknown as Record<symbol, unknown>)[key] : 'unknown';
};

describe('SMTP transport: the connection to the server', () => {
  let server: SmtpSink;
  beforeAll(async () => {
    server = await startSmtpSink();
  });
  afterAll(() => server.close());

  it('the session runs on the connection it hands nodemailer’s pool, with Nagle off, so pipelined commands do not wait for delayed ACKs', async () => {
    // As smtpTransport configures it, with each handed connection kept to look at.
    const handedOver: Socket[] = [];
    const getSocket = socketWithoutNagle();
    const transporter = nodemailer.createTransport({
      host: '127.0.0.1',
      port: server.port,
      secure: false,
      pool: true,
      maxConnections: 1,
      getSocket: (options: Parameters<typeof getSocket>[0], callback: Parameters<typeof getSocket>[1]) =>
        getSocket(options, (error, socketOptions) => {
          if (socketOptions) handedOver.push(socketOptions.connection);
          callback(error, socketOptions);
        }),
    });
    try {
      await transporter.sendMail({ from: 'support@tss.test', to: 'r@client.test', subject: '[TSS-N] received', text: 'text' });
      expect(handedOver).toHaveLength(1);
      const [socket] = handedOver;
      // nodemailer's pool drops a `socket` it is handed and connects its own: this one carried the mail.
      expect(socket?.remotePort).toBe(server.port);
      expect(socket?.bytesWritten).toBeGreaterThan(100);
      expect(nagleOff(socket)).toBe(true);
      expect(server.received.map((mail) => mail.subject)).toContain('[TSS-N] received');
    } finally {
      transporter.close();
    }
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
      expect(server.received.map((mail) => mail.subject).filter((subject) => /^\[TSS-\d\]/.test(subject ?? '')).sort()).toEqual(Array.from({ length: 6 }, (_, i) => `[TSS-${i}] received`));
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

// A game day: the SMTP server killed for a few seconds stopped all mail until notification was
// restarted. A failed connect made through `getSocket` never freed its pooled connection (nodemailer
// answers that one mail, never emits the connection's end); after as many refused connects as
// pooled connections, every later send waited forever.
describe('SMTP transport: the server goes away and comes back', () => {
  const mailTo = (to: string) => ({ from: 'support@tss.test', to, subject: 's', text: 't', html: '<p>t</p>', messageId: `<${to}>` });

  it('while the server is down every send fails at once, more of them than pooled connections; once it is back mail flows again', async () => {
    let server = await startSmtpSink();
    const port = server.port;
    const transport = smtpTransport({ host: '127.0.0.1', port, secure: false, maxConnections: 2 });
    try {
      expect(await transport.send(mailTo('before@client.example'))).toMatchObject({ kind: 'sent' });
      await server.kill();
      const during = await Promise.all(Array.from({ length: 7 }, (_, i) => transport.send(mailTo(`down${i}@client.example`))));
      expect(during.map((o) => o.kind)).toEqual(Array(7).fill('transient'));
      expect(during.at(-1)).toMatchObject({ reason: expect.stringContaining('ECONNREFUSED') });

      server = await startSmtpSink({ port });
      const after = await Promise.all(Array.from({ length: 5 }, (_, i) => transport.send(mailTo(`after${i}@client.example`))));
      expect(after.map((o) => o.kind)).toEqual(Array(5).fill('sent'));
      expect(server.received).toHaveLength(5);
    } finally {
      transport.close();
      await server.kill();
    }
  }, 15_000);
});
