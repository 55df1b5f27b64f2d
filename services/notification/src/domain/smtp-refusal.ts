/**
 * Whom an SMTP server's refusal is about: our session (how we connect and log in, which our
 * configuration sets and only an operator can change) or the message. A refusal of the session
 * says nothing about the mail: sending it again fails the same way until the configuration is
 * fixed, then succeeds, so it is never the mail's failure (docs/adr/0035, addendum of 2026-12-05,
 * seventh session).
 */

/**
 * What of our session the server refused, the `refusal` label of the mail metrics:
 * - `login`: our credentials or our way of logging in (RFC 4954 §6: 530 5.7.0 authentication
 *   required, 534 5.7.9 mechanism too weak, 535 5.7.8 credentials invalid; 454 4.7.0 and 432
 *   4.7.12 are its temporary answers). MAIL_SMTP_USER, MAIL_SMTP_PASSWORD.
 * - `encryption`: TLS first (RFC 3207 §4: 530 5.7.0 "Must issue a STARTTLS command first"; RFC 4954
 *   §6: 538 5.7.11 encryption required for the mechanism), or STARTTLS itself refused.
 *   MAIL_SMTP_SECURE, MAIL_SMTP_PORT.
 * - `connection`: the server would not talk to us at all, before any mail was named: a 5xx
 *   greeting (RFC 5321 §3.1: "554 No SMTP service here"; RFC 7504: 521) or a refused EHLO/HELO.
 *   MAIL_SMTP_HOST, or the server's view of our address.
 * - `sender`: MAIL FROM refused for our sender address, which is every mail's: an enhanced status
 *   of X.7.x (RFC 3463 §3.8, security or policy: "553 5.7.1 Sender address rejected: not owned by
 *   user") or X.1.7, X.1.8 (§3.2: bad sender mailbox, bad sender system). MAIL_FROM.
 */
export type SessionRefusal = 'login' | 'encryption' | 'connection' | 'sender';

/** Every refusal kind: the metric's label values, each series from the start. */
export const SESSION_REFUSALS: readonly SessionRefusal[] = ['login', 'encryption', 'connection', 'sender'];

/** A failed SMTP exchange as the client saw it. */
export interface SmtpFailure {
  /** The server's reply code, when it answered. */
  responseCode?: number;
  /** The client's error code (nodemailer: `EAUTH`, `EENVELOPE`, `EMESSAGE`, `ETLS`, `EPROTOCOL`, `ECONNECTION`…). */
  errorCode?: string;
  /** The command the server answered (nodemailer: `CONN` for the greeting, `EHLO`, `STARTTLS`, `AUTH PLAIN`, `MAIL FROM`, `RCPT TO`, `DATA`). */
  command?: string;
  /** The server's answer, else the client's error. */
  reason: string;
}

/** RFC 3463 §2: `class.subject.detail` after the reply code, when the server gives one (RFC 2034). */
export const enhancedStatusOf = (reason: string): { class: number; subject: number; detail: number } | undefined => {
  const match = /^\d{3}[ -]([245])\.(\d{1,3})\.(\d{1,3})(?!\d)/.exec(reason.trimStart());
  return match ? { class: Number(match[1]), subject: Number(match[2]), detail: Number(match[3]) } : undefined;
};

/** Commands of the session before any mail is named (RFC 5321 §3.1, §4.1.1.1; RFC 3207). */
const BEFORE_THE_ENVELOPE: ReadonlySet<string> = new Set(['CONN', 'EHLO', 'HELO', 'LHLO']);

/** RFC 3207 §4 and RFC 4954 §6 both answer 530 5.7.0; only the text tells TLS from a login. */
const asksForTls = (reason: string): boolean => /\b(STARTTLS|TLS|SSL|encryption)\b/i.test(reason);

/**
 * The refusal of our session this failure is, or undefined when it is the message's (a recipient,
 * the data, the message's size) or no refusal at all (a timeout, a connection that broke).
 * Ambiguous answers are the message's, as before: a 5.7.1 at RCPT TO ("554 5.7.1 Relay access
 * denied") may be a login a relay wanted, but just as often a recipient's policy.
 */
export const sessionRefusalOf = (failure: SmtpFailure): SessionRefusal | undefined => {
  const { responseCode: code, errorCode, reason } = failure;
  const command = (failure.command ?? '').toUpperCase();
  const enhanced = enhancedStatusOf(reason);
  // nodemailer's EAUTH: the AUTH exchange failed (any answer, 4xx included: 454, 432), or we have no
  // credentials or mechanism it can use. Our login, whatever the server said.
  if (errorCode === 'EAUTH' || command.startsWith('AUTH')) return code === 538 || asksForTls(reason) ? 'encryption' : 'login';
  if (code === 538 || (enhanced?.class === 5 && enhanced.subject === 7 && enhanced.detail === 11)) return 'encryption';
  if (code === 530) return asksForTls(reason) ? 'encryption' : 'login';
  if (code === 534 || code === 535) return 'login';
  if (enhanced && enhanced.subject === 7 && (enhanced.detail === 8 || enhanced.detail === 9)) return 'login';
  if (command === 'STARTTLS' && code !== undefined && code >= 500) return 'encryption';
  if (BEFORE_THE_ENVELOPE.has(command) && code !== undefined && code >= 500) return 'connection';
  if (command === 'MAIL FROM' && enhanced?.class === 5 && (enhanced.subject === 7 || (enhanced.subject === 1 && (enhanced.detail === 7 || enhanced.detail === 8)))) return 'sender';
  return undefined;
};
