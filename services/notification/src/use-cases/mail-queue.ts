import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { traceCarrierOf } from '@tss/service-kit';
import type { ScheduleTimer, TimerStore } from '@tss/timers';
import { mailMessageId } from '../domain/mail-delivery';
import type { RenderedMail } from '../domain/mail-template';
import { mailStore, REQUESTER_MAIL_KINDS, type MailKind, type NewMail, type SqlFragmentAt } from '../store/mail.store';

export const MAIL_SEND_TIMER = 'mail.send';

/** What every mail attempt's timer id starts with (`mailAttemptTimerId`). */
export const MAIL_ATTEMPT_TIMER_ID_PREFIX = 'mail:';

/** The timer of a mail's attempt `attempt`: one id per attempt (see mail-sender.ts). */
export const mailAttemptTimerId = (mailId: string, attempt: number): string => `${MAIL_ATTEMPT_TIMER_ID_PREFIX}${mailId}:${attempt}`;

export interface QueueMailDeps {
  timers: TimerStore;
  messageIdDomain: string;
}

export interface MailDraft {
  ticketId: string | null;
  partnerId: string | null;
  kind: MailKind;
  recipient: string;
  /** RFC 5322: the display name of To (`displayNameOf`); none: the bare address. */
  recipientName?: string;
  language: string;
  rendered: RenderedMail;
  inReplyTo?: string;
  /** P8: the thread message an `agent_reply` carries: one mail per message (`mailStore.threadMessageMailed`). */
  threadMessageId?: string;
}

/** Another write to commit in the mail's statement, given the queued mail's ids (its contact names its Message-ID). */
export type AlsoWrite = (queued: { id: string; messageId: string }) => SqlFragmentAt;

/** A mail ready to record: its row and its first send timer, due now. */
export interface DraftedMail {
  id: string;
  messageId: string;
  mail: NewMail;
  timer: ScheduleTimer;
}

/** The row and first timer `queueMail` writes, for a caller that writes them itself (a batch's acknowledgments). */
export const draftMail = (deps: Pick<QueueMailDeps, 'messageIdDomain'>, draft: MailDraft, now: Date): DraftedMail => {
  const id = randomUUID();
  const messageId = mailMessageId(id, deps.messageIdDomain);
  return {
    id,
    messageId,
    mail: {
      id,
      ticketId: draft.ticketId,
      partnerId: draft.partnerId,
      kind: draft.kind,
      recipient: draft.recipient,
      recipientName: draft.recipientName ?? null,
      language: draft.language,
      messageId,
      inReplyTo: draft.inReplyTo ?? null,
      subject: draft.rendered.subject,
      textBody: draft.rendered.text,
      htmlBody: draft.rendered.html,
      createdAt: now,
      threadMessageId: draft.threadMessageId ?? null,
      inTicketLine: draft.ticketId !== null && REQUESTER_MAIL_KINDS.includes(draft.kind),
      // The trace of the event being handled: the mail is sent in it, however much later.
      trace: traceCarrierOf(),
    },
    // The timers' trigger wakes the worker at commit, busy or idle (docs/adr/0046): no NOTIFY of our own.
    timer: { id: mailAttemptTimerId(id, 1), kind: MAIL_SEND_TIMER, dueAt: now, payload: { mailId: id } },
  };
};

/**
 * Records the mail and its first send timer in the caller's transaction: the mail exists exactly
 * when the event that asked for it was handled, and is sent (at least once) after that commits.
 * One statement, with `also` (the event's other writes) folded in (issue #11). A requester mail of
 * a ticket takes the next place in the ticket's line: it is not sent before the earlier ones have
 * ended (docs/adr/0035, addendum of 2026-12-05, seventh session). Its timer is due now all the
 * same: the firing checks the line, so a mail queued behind one that is ending waits for nothing.
 */
export const queueMail = async (
  tx: EntityManager,
  deps: QueueMailDeps,
  draft: MailDraft,
  now: Date,
  also: readonly AlsoWrite[] = [],
): Promise<{ id: string; messageId: string }> => {
  const { id, messageId, mail, timer } = draftMail(deps, draft, now);
  await mailStore.insertWith(
    tx,
    mail,
    also.map((write) => write({ id, messageId })),
    (first) => deps.timers.scheduleAllStatement([timer], first),
  );
  return { id, messageId };
};
