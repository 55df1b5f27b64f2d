import type { Logger } from 'pino';
import type { SendOutcome } from '../domain/mail-delivery';
import { UnrecordedResults, type UnrecordedResultsLog } from './unrecorded-results';

/**
 * A mail attempt whose outcome the database did not take (it was down, or the connection broke):
 * what to record once it answers (docs/adr/0035, addendum of 2026-12-05, second session).
 */
export interface UnrecordedAttempt {
  mailId: string;
  attempt: number;
  /** False when nothing was handed to the server (its committed row could not be read, or the stop came first). */
  started: boolean;
  outcome: SendOutcome;
  /** When the attempt ended (the server's answer, or the failure before any send): a retry's delay and a sent mail's `sent_at` count from it. */
  endedAt: Date;
}

/** How an unrecorded attempt is named in the log: what the server did with its mail. */
export type UnrecordedOutcome = 'sent' | 'permanent' | 'transient' | 'session_refused' | 'not_started';

export const unrecordedOutcomeOf = (attempt: UnrecordedAttempt): UnrecordedOutcome => (attempt.started ? attempt.outcome.kind : 'not_started');

export interface UnrecordedAttemptsDeps {
  logger: Logger;
  /**
   * Records as many of `attempts` as the database takes, and answers those it did not (kept for
   * the next try). May throw: then none counts as recorded.
   */
  record(attempts: readonly UnrecordedAttempt[]): Promise<readonly UnrecordedAttempt[]>;
  /** Attempts kept at most; one more is left to its armed retry timer, as before (memory stays bounded). */
  limit: number;
  /** Real milliseconds before the first try to record them again; doubled after each failed try, up to `maxRetryMs`. */
  retryMs: number;
  maxRetryMs: number;
}

const MAIL_LOG: UnrecordedResultsLog<UnrecordedAttempt> = {
  key: 'attempts',
  fieldsOf: (a) => ({ mailId: a.mailId, attempt: a.attempt, outcome: unrecordedOutcomeOf(a) }),
  kept: 'mail attempt not recorded: the database did not answer; kept in memory and recorded once it answers',
  recorded: 'mail attempts recorded once the database answered again',
  recordedFieldsOf: (recorded) => ({ sent: recorded.filter((a) => unrecordedOutcomeOf(a) === 'sent').length }),
  stillNotRecorded: 'mail attempts still not recorded: the database does not answer yet',
  lostAtStop:
    'mail attempts not recorded when the mail sender stopped (the database did not answer): their mails are sent again once another instance takes them back, or after the restart; those the server accepted ("sent") may arrive twice (same Message-ID)',
  lostFieldsOf: (lost) => ({ mayArriveTwice: lost.filter((a) => unrecordedOutcomeOf(a) === 'sent').length }),
};

/**
 * Attempts whose outcome could not be recorded, kept in memory and recorded once the database
 * answers again, so that an outage of seconds does not leave them counted and under way by this
 * live instance until the retry armed for the attempt's bound (15.5 minutes with a real server)
 * sends them: attempts that never reached the server are released to the usual delay, and mail
 * the server accepted is recorded sent, not sent again. Tried again after `retryMs`, doubling up to
 * `maxRetryMs`, until every one is recorded or the process stops; what is left then is logged
 * (their rows stay under way by this instance, which the others take back once its row is gone).
 */
export class UnrecordedAttempts extends UnrecordedResults<UnrecordedAttempt> {
  constructor(deps: UnrecordedAttemptsDeps) {
    super({ ...deps, log: MAIL_LOG });
  }
}
