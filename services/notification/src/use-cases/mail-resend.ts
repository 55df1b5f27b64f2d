import type { EntityManager } from 'typeorm';
import { err, ok, type Failure, type Result } from '@tss/service-kit';
import type { TimerStore } from '@tss/timers';
import { resendRefusal } from '../domain/mail-resend';
import { mailStore, type MailRow } from '../store/mail.store';
import { MAIL_SEND_TIMER, mailAttemptTimerId } from './mail-queue';

/** The 404 of a retry naming no mail. */
export const NO_SUCH_OUTGOING_MAIL: Failure = { kind: 'not_found', detail: 'No outgoing mail has this id.' };

/**
 * An admin sends a failed mail again (docs/adr/0035, addendum of 2026-12-05, seventh session), as
 * a failed webhook delivery is retried: under the mail's row lock, so two retries at once send it
 * once (the second is a conflict), it is pending again with a fresh round of attempts, and its next
 * attempt's timer is due now. The sender then sends it as any other, and records what comes of it:
 * sent (an acknowledgment publishes `notification.acknowledgment_sent`, and intake accepts the
 * request, P3), or failed again with another `notification.delivery_failed`.
 */
export const resendFailedMail = async (tx: EntityManager, timers: TimerStore, args: { mailId: string; by: string; at: Date }): Promise<Result<MailRow, Failure>> => {
  const mail = await mailStore.lock(tx, args.mailId);
  if (!mail) return err(NO_SUCH_OUTGOING_MAIL);
  const refusal = resendRefusal(mail);
  if (refusal) return err({ kind: 'conflict', detail: refusal });
  const rearmed = await mailStore.rearmFailed(tx, mail.id, { by: args.by, at: args.at });
  if (!rearmed) return err({ kind: 'conflict', detail: 'The mail changed meanwhile: read it again.' });
  await timers.schedule(tx, { id: mailAttemptTimerId(mail.id, rearmed.attempts + 1), kind: MAIL_SEND_TIMER, dueAt: args.at, payload: { mailId: mail.id } });
  return ok(rearmed);
};
