import type { AddressInfo, Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAuthentication } from 'smtp-server';
import { waitFor } from '@tss/service-kit/testing';

/** What the sink answers the end of a mail's DATA: accept it, or an SMTP error (4xx: try again; 5xx: refused for good). */
export type SinkAnswer = { accept: true } | { accept: false; code: number; message: string };

/** A real SMTP server in this process (smtp-server); every mail it accepts is parsed with mailparser. */
export interface SmtpSink {
  port: number;
  /** The mails it accepted, in the order it answered them. */
  received: ParsedMail[];
  /** Every mail whose data it took, in the order it took them, before its answer (accepted or not). */
  offered: ParsedMail[];
  /** Resolves with the `n`-th mail (1-based) whose To names `address`. */
  nthMailTo(address: string, n?: number): Promise<ParsedMail>;
  mailsTo(address: string): ParsedMail[];
  close(): Promise<void>;
  /** Stops at once, its connections cut as a killed server's are (no QUIT, no waiting for clients). */
  kill(): Promise<void>;
  /** Cuts every connection open now and keeps listening: a client's pooled connections must connect (and log in) again. */
  dropConnections(): void;
}

/** A refusal the sink answers: the reply code and its text (smtp-server adds the enhanced status code, RFC 3463). */
export interface SmtpRefusal {
  code: number;
  text: string;
}

/** A mail's data as the client sent it (dot-unstuffed). */
const wholeOf = (stream: Readable): Promise<Buffer> =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });

/** The longest line of a mail, CRLF not counted (RFC 5322 §2.1.1). */
const longestLineOctets = (raw: Buffer): number => Math.max(0, ...raw.toString('latin1').split('\r\n').map((line) => line.length));

const names = (mail: ParsedMail, address: string): boolean => JSON.stringify(mail.to ?? '').toLowerCase().includes(address.toLowerCase());

/**
 * `replyDelayMs`: how long the sink takes to answer the end of DATA (a slow server); `neverAnswer`:
 * it takes the data and never answers (a client killed meanwhile never learns the outcome).
 * `port`: listen there (a server started again after an outage); any free port otherwise.
 * `greetingDelayMs`: how long the sink waits before greeting its `connection`-th connection (1-based).
 * `maxLineOctets`: a mail with a longer line is refused for good, as aiosmtpd and others do
 * ("500 Line too long (see RFC5321 4.5.3.1.6)"; RFC 5322 §2.1.1 allows 998 octets).
 * `answer`: what to answer each mail once its data is in, when the test says (a promise holds the
 * answer, as a server still taking the message would); default: accept at once.
 * `login`: the sink offers AUTH (PLAIN, LOGIN; over plain text, this being a test) and asks it of
 * every login, the `login`-th of its life (1-based): an answer (`535 5.7.8 …`, RFC 4954 §6) refuses
 * it, none accepts it. Without it the sink takes every client unauthenticated, as before.
 * `refuseRecipient`: the answer to `RCPT TO` of that address (`550 5.1.1 …`), none takes it.
 */
export const startSmtpSink = async (
  options: {
    replyDelayMs?: number;
    neverAnswer?: boolean;
    port?: number;
    greetingDelayMs?: (connection: number) => number;
    maxLineOctets?: number;
    answer?: (mail: ParsedMail) => SinkAnswer | Promise<SinkAnswer>;
    login?: (auth: SMTPServerAuthentication, login: number) => SmtpRefusal | undefined;
    refuseRecipient?: (address: string) => SmtpRefusal | undefined;
  } = {},
): Promise<SmtpSink> => {
  const received: ParsedMail[] = [];
  const offered: ParsedMail[] = [];
  let connections = 0;
  let logins = 0;
  const { login, refuseRecipient } = options;
  const server = new SMTPServer({
    authOptional: !login,
    ...(login ? { authMethods: ['PLAIN', 'LOGIN'], allowInsecureAuth: true } : {}),
    disabledCommands: ['STARTTLS'],
    logger: false,
    ...(login
      ? {
          onAuth(auth, _session, callback) {
            logins += 1;
            const refusal = login(auth, logins);
            if (refusal) callback(Object.assign(new Error(refusal.text), { responseCode: refusal.code }));
            else callback(null, { user: auth.username });
          },
        }
      : {}),
    ...(refuseRecipient
      ? {
          onRcptTo(address, _session, callback) {
            const refusal = refuseRecipient(address.address);
            if (refusal) callback(Object.assign(new Error(refusal.text), { responseCode: refusal.code }));
            else callback();
          },
        }
      : {}),
    onConnect(_session, callback) {
      connections += 1;
      const delayMs = options.greetingDelayMs?.(connections) ?? 0;
      if (delayMs > 0) setTimeout(() => callback(), delayMs);
      else callback();
    },
    onData(stream, _session, callback) {
      const answer = () => {
        if (options.neverAnswer) return;
        if (options.replyDelayMs) setTimeout(() => callback(), options.replyDelayMs);
        else callback();
      };
      // A client that drops the connection mid-DATA fails the stream: answered like a bad mail, never thrown.
      wholeOf(stream)
        .then(async (raw) => {
          if (options.maxLineOctets !== undefined && longestLineOctets(raw) > options.maxLineOctets) {
            callback(Object.assign(new Error('Line too long (see RFC5321 4.5.3.1.6)'), { responseCode: 500 }));
            return;
          }
          const parsed = await simpleParser(raw);
          offered.push(parsed);
          const decided = options.answer ? await options.answer(parsed) : ({ accept: true } as const);
          if (!decided.accept) {
            callback(Object.assign(new Error(decided.message), { responseCode: decided.code }));
            return;
          }
          received.push(parsed);
          answer();
        })
        .catch((error: Error) => callback(error));
    },
  });
  const sockets = new Set<Socket>();
  server.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const mailsTo = (address: string) => received.filter((m) => names(m, address));
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    offered,
    mailsTo,
    nthMailTo: (address, n = 1) => waitFor(`mail ${n} to ${address}`, () => mailsTo(address)[n - 1]),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    dropConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
    kill: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      return closed;
    },
  };
};

/** The support-site token in a mail's text (`…/support/t/<token>`). */
export const siteTokenIn = (text: string | undefined): string | undefined => /\/support\/t\/([A-Za-z0-9._-]+)/.exec(text ?? '')?.[1];
