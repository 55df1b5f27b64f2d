import net from 'node:net';
import { Readable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import nodemailer, { type Transporter } from 'nodemailer';
import { toStorableText } from '@tss/contracts';
import { classifySendFailure, type SendOutcome } from '../domain/mail-delivery';
import type { SmtpFailure } from '../domain/smtp-refusal';

/** One mail as handed to a transport. */
export interface OutgoingMail {
  from: string;
  /** The address, or it with a display name: nodemailer quotes or RFC 2047-encodes the name, so it stays one. */
  to: string | { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  messageId: string;
  inReplyTo?: string;
  references?: readonly string[];
  /** RFC 3834: `auto-generated` for mail no person wrote (`autoSubmittedOf`); absent for a person's words. */
  autoSubmitted?: 'auto-generated';
}

/**
 * Where one send stands against DATA (RFC 5321 §3.3). Until the server has taken the DATA command
 * and the message starts to go, nothing can be delivered: the send may be cut short, and its retry
 * sends the mail once. From then on the server may deliver it whatever we do, and its answer to the
 * end of DATA may take 10 minutes (§4.5.3.2.6): cut short, the mail may arrive twice. The transport
 * asks `begin()` just before the message's first byte goes; whoever stops the send asks `cutShort()`.
 */
export class MessageHandover {
  private state: 'not_yet' | 'handing_over' | 'cut_short' = 'not_yet';

  /** The message is about to go: true, unless the send was cut short first (then it must not go). */
  begin(): boolean {
    if (this.state === 'cut_short') return false;
    this.state = 'handing_over';
    return true;
  }

  /** Cut short, so the message never goes: true, unless it is already being handed over (too late). */
  cutShort(): boolean {
    if (this.state === 'handing_over') return false;
    this.state = 'cut_short';
    return true;
  }

  /** The server may have the message: it is, or was, being handed over. */
  get handingOver(): boolean {
    return this.state === 'handing_over';
  }
}

/** Where mail goes: SMTP, or (single-process mode without SMTP) the local outbox. */
export interface MailTransport {
  /** `smtp` or `local`, recorded on the mail. */
  readonly name: string;
  /** Sends the mail; `handover` tells when its message starts to go, and stops it from going once cut short. */
  send(mail: OutgoingMail, handover?: MessageHandover): Promise<SendOutcome>;
  close(): void;
}

/** The `sendMail` field that carries a send's handover to the stream plugin below. */
const HANDOVER_FIELD = 'tssMessageHandover';

/**
 * The message as nodemailer hands it to the server: nothing is read from it until the SMTP
 * connection pipes it into the socket, which it does once the server answered DATA with 354
 * (nodemailer 7, `SMTPConnection.send`). That first read is the handover: allowed, the message
 * flows; refused (the send was cut short), the stream fails, nodemailer drops the connection without
 * the closing ".", and the server delivers nothing.
 */
export const readOnceHandedOver = (message: Readable, handover: MessageHandover): Readable => {
  let started = false;
  const handed: Readable = new Readable({
    read() {
      if (started) {
        message.resume();
        return;
      }
      started = true;
      if (!handover.begin()) {
        handed.destroy(new Error('the send was cut short before the server took the message (the mail sender stopped)'));
        message.destroy();
        return;
      }
      message.on('data', (chunk: Buffer) => {
        if (!handed.push(chunk)) message.pause();
      });
      message.once('end', () => handed.push(null));
    },
  });
  // Listened to from the start: an error before the handover would otherwise be thrown unhandled.
  message.once('error', (error: Error) => handed.destroy(error));
  return handed;
};

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  /** Time to connect (TCP). Default 30 s. */
  connectTimeoutMs?: number;
  /** Time for the server's greeting: 5 minutes (RFC 5321 §4.5.3.2.1). */
  greetingTimeoutMs?: number;
  /**
   * Time for any one reply (nodemailer's socket inactivity): 10 minutes, what RFC 5321
   * §4.5.3.2.6 gives the reply to the end of DATA, the longest. Shorter, a slow server's mail is
   * given up after its data was sent, and sent again.
   */
  replyTimeoutMs?: number;
  /** Pooled connections to the server (default 4). */
  maxConnections?: number;
}

/** Shorter than this, a configured user or password is not looked for in an answer: it would mask ordinary words. */
const MASKED_MIN_CHARS = 3;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The failure as `classifySendFailure` reads it: nodemailer's `responseCode`, `code` and `command`,
 * and the server's answer (else the error's message). The answer is recorded on the mail, its event
 * and the log: our SMTP user and password are masked in it, should a server echo them
 * ("535 5.7.8 Authentication failed for tss-mailer@example.com"), and what PostgreSQL cannot store
 * is dropped.
 */
export const smtpFailureOf = (error: unknown, secrets: { user?: string; password?: string } = {}): SmtpFailure => {
  const { user, password } = secrets;
  // The password wherever it appears; the user only as a word of its own, so a short user (`tss`)
  // leaves our own sender address (`support@tss.local`) as the operator must check it.
  const userAsWord = user && user.length >= MASKED_MIN_CHARS ? new RegExp(`(^|[\\s"'(<\\[,;:=])${escapeRegExp(user)}(?=$|[\\s"')>\\],;:.!?])`, 'g') : undefined;
  const mask = (text: string): string => {
    const withoutPassword = password && password.length >= MASKED_MIN_CHARS ? text.split(password).join('[MAIL_SMTP_PASSWORD]') : text;
    return userAsWord ? withoutPassword.replace(userAsWord, '$1[MAIL_SMTP_USER]') : withoutPassword;
  };
  if (error instanceof Error) {
    const withCode = error as Error & { responseCode?: unknown; response?: unknown; code?: unknown; command?: unknown };
    return {
      ...(typeof withCode.responseCode === 'number' ? { responseCode: withCode.responseCode } : {}),
      ...(typeof withCode.code === 'string' ? { errorCode: withCode.code } : {}),
      ...(typeof withCode.command === 'string' ? { command: withCode.command } : {}),
      reason: toStorableText(mask(typeof withCode.response === 'string' ? withCode.response : error.message)),
    };
  }
  return { reason: toStorableText(mask(String(error))) };
};

type SocketCallback = (error: Error | null, socketOptions?: { connection: net.Socket } | false) => void;

/**
 * Nagle's algorithm off on the SMTP connection. nodemailer writes each SMTP command as a small
 * packet; with Nagle on, one written while the previous packet is unacknowledged waits for the
 * server's delayed ACK (40 ms on Linux), so a pooled connection carried about 25 mails a second.
 * Measured on this project's VM, nodemailer to a local smtp-server at 100 mails/s over 4 pooled
 * connections: p50 1.5 s, p99 2.6 s with Nagle; p50 1 ms, p99 102 ms without (docs/performance.md,
 * "Acknowledgment mail"). nodemailer has no option for it.
 *
 * Plain connections (STARTTLS included): `getSocket` starts the connection itself, with `noDelay`,
 * and hands it over at once as `connection`. nodemailer's pool (7.x, `PoolResource.connect`) uses
 * only a `connection` it is given: a `socket` to connect was dropped, and nodemailer connected one
 * of its own with Nagle on (docs/adr/0050, addendum of 2026-12-06). Handed over before it is
 * connected, the socket's failure (refused, reset, or this function's own timeout) reaches
 * nodemailer as any connection's error does: the mail fails and the pooled connection is freed.
 * It never answers `getSocket` with an error: the pool then answers that one mail but never frees
 * the pooled connection, so after as many failed connects as pooled connections every later send
 * waited forever (addendum of 2026-12-04). nodemailer takes a given connection as connected and
 * clears its connection timeout at once, so the timeout here bounds the TCP connect instead
 * (`connectionTimeout` of the options it passes, else 30 s). Implicit TLS (`secure`): nodemailer
 * connects with `tls.connect`, which takes `noDelay` from its `tls` options.
 */
export const socketWithoutNagle =
  () =>
  (options: { host?: string; port?: number; connectionTimeout?: number }, callback: SocketCallback): void => {
    const socket = net.connect({ host: options.host ?? 'localhost', port: options.port ?? 25, noDelay: true });
    const timeoutMs = options.connectionTimeout ?? 30_000;
    const timer = setTimeout(
      () => socket.destroy(Object.assign(new Error(`connection to ${options.host}:${options.port} timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    const settled = () => clearTimeout(timer);
    socket.once('connect', settled);
    socket.once('close', settled);
    // Synchronously: nodemailer listens for the socket's errors before any can be emitted.
    callback(null, { connection: socket });
  };

/** RFC 5321 §4.5.3.2's timeouts unless configured otherwise (MAIL_SMTP_*_TIMEOUT_MS). */
export const smtpTimeoutsOf = (settings: Pick<SmtpSettings, 'connectTimeoutMs' | 'greetingTimeoutMs' | 'replyTimeoutMs'>) => ({
  connectTimeoutMs: settings.connectTimeoutMs ?? 30_000,
  greetingTimeoutMs: settings.greetingTimeoutMs ?? 5 * 60_000,
  replyTimeoutMs: settings.replyTimeoutMs ?? 10 * 60_000,
});

/** The longest one attempt may wait for a server that answers within the timeouts' bounds. */
export const smtpAttemptBoundMs = (settings: Pick<SmtpSettings, 'connectTimeoutMs' | 'greetingTimeoutMs' | 'replyTimeoutMs'>): number => {
  const t = smtpTimeoutsOf(settings);
  return t.connectTimeoutMs + t.greetingTimeoutMs + t.replyTimeoutMs;
};

/** nodemailer over SMTP (issue #11): host, port, TLS and auth from config. */
export const smtpTransport = (settings: SmtpSettings): MailTransport => {
  const timeouts = smtpTimeoutsOf(settings);
  const transporter: Transporter = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
    connectionTimeout: timeouts.connectTimeoutMs,
    greetingTimeout: timeouts.greetingTimeoutMs,
    socketTimeout: timeouts.replyTimeoutMs,
    pool: true,
    maxConnections: settings.maxConnections ?? 4,
    // Nagle off (socketWithoutNagle): a connection started with it, or tls.connect's own option.
    ...(settings.secure ? { tls: { noDelay: true } as ConnectionOptions } : { getSocket: socketWithoutNagle() }),
  });
  // Each send's message is read only once handed over (`readOnceHandedOver`); no DKIM signer or
  // other stream step may come after it, since one would read the message at once.
  transporter.use('stream', (composed, done) => {
    const handover: unknown = HANDOVER_FIELD in composed.data ? composed.data[HANDOVER_FIELD] : undefined;
    if (handover instanceof MessageHandover) composed.message.processFunc((message) => readOnceHandedOver(message, handover));
    done();
  });
  return {
    name: 'smtp',
    send: async (mail, handover) => {
      try {
        const info = (await transporter.sendMail({
          ...(handover ? { [HANDOVER_FIELD]: handover } : {}),
          from: mail.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: mail.messageId,
          ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
          ...(mail.references?.length ? { references: [...mail.references] } : {}),
          // RFC 3834: machine-sent, so well-behaved auto-responders do not answer it (no mail loops).
          ...(mail.autoSubmitted ? { headers: { 'Auto-Submitted': mail.autoSubmitted } } : {}),
        })) as { response?: string };
        return { kind: 'sent', response: info.response ?? '' };
      } catch (error) {
        return classifySendFailure(smtpFailureOf(error, { user: settings.user, password: settings.password }));
      }
    },
    close: () => transporter.close(),
  };
};

/** Single-process mode with no SMTP server: the mail stays in the table, readable at `GET /v1/mail/outbox`. */
export const localOutboxTransport = (): MailTransport => ({
  name: 'local',
  send: async (_mail, handover) =>
    handover && !handover.begin()
      ? { kind: 'transient', reason: 'the send was cut short before it was kept (the mail sender stopped)' }
      : { kind: 'sent', response: 'kept in the local outbox (no MAIL_SMTP_HOST configured)' },
  close: () => undefined,
});
