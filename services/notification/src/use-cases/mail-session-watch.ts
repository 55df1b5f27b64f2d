import type { Logger } from 'pino';
import type { SessionRefusal } from '../domain/smtp-refusal';
import { mailMetrics } from './mail-metrics';

/** What the operator is told to check, by what the server refuses (docs/operations.md, "Runbook: the SMTP server refuses our login"). */
const TOLD: Record<SessionRefusal, string> = {
  login: 'the SMTP server refuses our login: check MAIL_SMTP_USER and MAIL_SMTP_PASSWORD against the server',
  encryption: 'the SMTP server refused our session without TLS: check MAIL_SMTP_SECURE and MAIL_SMTP_PORT (465 with TLS from the start, 587 with STARTTLS)',
  connection: 'the SMTP server refused our session before any mail (its greeting or EHLO): check MAIL_SMTP_HOST, and whether the server takes connections from our address',
  sender: 'the SMTP server refused our sender address at MAIL FROM: check MAIL_FROM against what the server lets MAIL_SMTP_USER send as',
};

/**
 * Whether the SMTP server refuses our session, as this process last heard it: set by a send refused
 * for our session (our login, TLS, our sender address, the connection), cleared by one the server
 * took past it. The operator hears it once per kind of refusal, at error level with the server's
 * answer (masked by the transport), and reads it from `tss_mail_session_refused`; its clearing is
 * the sign that the mail waiting for the session may go (docs/adr/0035, addendum of 2026-12-05,
 * seventh session).
 */
export class SmtpSessionWatch {
  private refusal: SessionRefusal | undefined;
  /** The kinds already logged at error level since the server last took our session. */
  private readonly told = new Set<SessionRefusal>();

  constructor(private readonly logger: Logger) {}

  /** The server refused our session this way, with `answer`. */
  refused(refusal: SessionRefusal, answer: string): void {
    this.refusal = refusal;
    mailMetrics().sessionRefused.set(refusal);
    if (this.told.has(refusal)) return;
    this.told.add(refusal);
    this.logger.error(
      { refusal, answer },
      `${TOLD[refusal]}. No mail fails of it: each waits, retried 1, 2, 5 … minutes then every 4 hours, and all go, oldest first, once a send gets past it or notification restarts`,
    );
  }

  /** The server took our session: true when it had refused it before (the mail waiting for it may go now). */
  taken(): boolean {
    const was = this.refusal;
    if (was === undefined) return false;
    this.refusal = undefined;
    this.told.clear();
    mailMetrics().sessionRefused.set(undefined);
    this.logger.info({ refusal: was }, 'the SMTP server takes our session again: the mail that waited for it goes now');
    return true;
  }
}
