/**
 * A ticket's requester mails go out in the order they were queued, the acknowledgment first (P3:
 * the acknowledgment with the reference number is the first thing a requester hears): a mail in a
 * ticket's line is handed to SMTP only once every earlier one has ended, sent or failed for good
 * (docs/adr/0035, addendum of 2026-12-05, seventh session). Staff mail, and mail of no ticket, is
 * in no line.
 */

/**
 * How long a held mail waits before it looks again whether the mails ahead of it have ended. The
 * one ahead releases it when it ends; this catches a release that never came.
 */
export const MAIL_HOLD_RECHECK_MS = 10 * 60_000;

/**
 * How soon it looks again when a mail ahead of it was being changed by another transaction as it
 * looked (being fired, or its outcome recorded): that one may have just ended, and its release may
 * not have seen this mail held. The sender also watches that transaction end and releases the mail
 * then (`busyAhead`); this catches a watch cut short.
 */
export const MAIL_HOLD_RECHECK_SOON_MS = 1_000;

/**
 * The longest a mail waits behind the earlier mails of its ticket, from when it was queued. A mail
 * ahead ends within its 8 attempts (about 8 to 10 hours with the default SMTP timeouts); one that
 * has not ended a day later (its timers lost, or SMTP timeouts set near their maximum) no longer
 * holds the ticket's later mails: they go, out of order, with a warning.
 */
export const MAIL_HOLD_MAX_MS = 24 * 60 * 60_000;

/** The earlier mails of a held mail's ticket still pending, as its check found them. */
export interface MailsAhead {
  pending: number;
  /** Of those, the ones the check locked: their end is recorded after this check commits, and releases the mail. */
  locked: number;
}

export type HeldMailDecision =
  /** Nothing pending ahead any more, or held too long (`overdue`): its attempt starts now. */
  | { kind: 'send'; overdue: boolean }
  /**
   * Still behind: its attempt's timer is put off to `recheckAt` (the release brings it forward).
   * `busyAhead`: a mail ahead was being changed by another transaction, whose release may miss this
   * one; the sender looks again once that transaction has ended.
   */
  | { kind: 'hold'; recheckAt: Date; busyAhead: boolean };

/** What becomes of a held mail, queued at `queuedAt`, whose timer fired at `now`. */
export const decideHeldMail = (queuedAt: Date, ahead: MailsAhead, now: Date): HeldMailDecision => {
  if (ahead.pending === 0) return { kind: 'send', overdue: false };
  const givenUpAt = queuedAt.getTime() + MAIL_HOLD_MAX_MS;
  if (now.getTime() >= givenUpAt) return { kind: 'send', overdue: true };
  const busyAhead = ahead.locked < ahead.pending;
  const waitMs = busyAhead ? MAIL_HOLD_RECHECK_SOON_MS : MAIL_HOLD_RECHECK_MS;
  return { kind: 'hold', recheckAt: new Date(Math.min(now.getTime() + waitMs, givenUpAt)), busyAhead };
};
