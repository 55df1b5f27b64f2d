import type { SessionRefusal } from '../domain/smtp-refusal';

/**
 * Whether the SMTP server refuses our session, as this process last heard it: set by a send refused
 * for our session (our login, TLS, our sender address), cleared by one the server took past it. Its
 * clearing is the sign that the mail waiting for the session may go (docs/adr/0035, addendum of
 * 2026-12-05, seventh session).
 */
export class SmtpSessionWatch {
  private refusal: SessionRefusal | undefined;

  /** The server refused our session this way. */
  refused(refusal: SessionRefusal): void {
    this.refusal = refusal;
  }

  /** The server took our session: true when it had refused it before (the mail waiting for it may go now). */
  taken(): boolean {
    const wasRefused = this.refusal !== undefined;
    this.refusal = undefined;
    return wasRefused;
  }
}
