import type { Channel } from '@tss/contracts';
import type { Clock, Failure, Result } from '@tss/service-kit';
import { err, ok } from '@tss/service-kit';
import type { UnitOfWork } from '@tss/messaging';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../domain/actor';
import type { RequestersWordsAuthor } from '../domain/message';
import { reopen, type Change, type Ticket, type TicketEffect } from '../domain/ticket';
import { followUpRequest, openFollowUp, ratedNotSolvedMessage } from '../domain/follow-up';
import { ticketStore, toTicket } from '../store/ticket.store';
import { commitChange, type ChangeDeps } from './commit-change';
import type { TicketLocation } from './find-ticket';
import { fileTicketIn } from './file-ticket';
import { isRequesterAddress } from '../domain/mail-author';
import { postMessageIn, postNotesIn, rewriteBeforeStore, type MessageHooks, type NewMessage } from './post-message';

export interface Reopened {
  /** The reopened ticket, or the new ticket that follows up a closed one. */
  ticket: Ticket;
  /** True when the answer is a new, linked ticket (P11: after the window, or once closed). */
  followUp: boolean;
  /** The follow-up was filed before and is still open: this request filed nothing (200, not 201). */
  alreadyFiled?: true;
}

export interface ReopenRequest {
  at: TicketLocation;
  reason?: string;
  actor: Actor;
  /**
   * The reason is the requester's own words (a partner or requester reopening): it goes on the
   * thread as their message first, so it is read like any of theirs: P9 masking, the P7 phrase.
   */
  /** The requester's words (or a staff member's through a site link they minted, in the requester's name). */
  requesterMessage?: { author: RequestersWordsAuthor; channel: Channel };
  /** The reason is the comment of a "not solved" rating: the thread does not show it, so P9's note names it (docs/adr/0026, sixth session). */
  reasonIsRatingComment?: boolean;
  /** That comment as the requester wrote it (`reason` leads it with our "Rated not solved:"): a follow-up's description is their words only. */
  ratingComment?: string;
  /** The survey whose "not solved" rating asks for this reopening: `ticket.reopened` names it, so rating keeps that rating (docs/adr/0040). */
  ratingSurveyId?: string;
}

/** The reopening's effect names the rating that asked for it, when one did. */
const byRating = <C extends { effects: readonly TicketEffect[] }>(change: C, ratingSurveyId: string | undefined): C =>
  ratingSurveyId === undefined ? change : { ...change, effects: change.effects.map((e) => (e.kind === 'reopened' ? { ...e, ratingSurveyId } : e)) };

const asFailure = (change: Extract<Change, { violation: unknown }>): Failure => {
  const v = change.violation;
  return v.kind === 'invalid_transition' ? { kind: 'invalid_transition', detail: v.detail, extensions: { allowed: v.allowed } } : { kind: 'unprocessable', detail: v.detail };
};

/**
 * Who speaks in a "not solved" rating, on the follow-up's thread: the rated ticket's requester (the
 * link was theirs, or their partner rated for them through the API). Named as a mail of theirs to
 * that ticket would be (domain/mail-author.ts, docs/adr/0029 addendum of 2026-12-04, fourth
 * session): the follow-up's requester when they are the same person, else another sender named
 * by address, never under a second requester's id. A ticket with no requester is the partner's own:
 * its words are the requester's, as a partner's message is (`requesterAuthorOf`).
 */
const raterOf = (rated: Ticket, followUp: Ticket): NewMessage['author'] => {
  const rater = rated.request.requester;
  const requester = followUp.request.requester;
  const same = rater === undefined || (rater.id !== undefined && rater.id === requester?.id) || (rater.email !== undefined && isRequesterAddress(requester?.email, rater.email));
  if (same) return { kind: 'requester', id: requester?.id ?? requester?.email ?? followUp.partnerId };
  return rater.email ? { kind: 'email_sender', name: rater.email } : { kind: 'requester', id: rater.id ?? followUp.partnerId };
};

/**
 * What goes on the follow-up's thread for "not solved" while it is open, if anything: the
 * requester's reason as their message; a rating's, as the requester's message naming the ticket it
 * rated (the page promised that support answers: a mail reply to that ticket is threaded onto the
 * follow-up the same way, docs/adr/0029, addendum of 2026-12-05, sixth session). A staff member's
 * reason is not (staff write a note).
 */
const followUpMessageOf = (earlier: Ticket, followUp: Ticket, input: ReopenRequest): { author: NewMessage['author']; channel: Channel; body: string; ourLine?: string } | undefined => {
  if (!input.reason) return undefined;
  if (input.requesterMessage) return { ...input.requesterMessage, body: input.reason };
  if (input.reasonIsRatingComment) {
    // The comment alone is the requester's (it may describe a follow-up filed without a description);
    // the line naming the rating is ours (docs/adr/0029, addendum of 2026-12-05, sixth session).
    const { words, ourLine } = ratedNotSolvedMessage(followUp.language, earlier.reference, input.ratingComment);
    // The rating came through rating's API or its page: neither is a channel of intake's own, so `api`.
    return { author: raterOf(earlier, followUp), channel: 'api', body: words, ourLine };
  }
  return undefined;
};

/**
 * "Not solved" again while the follow-up is open: nothing is filed. The requester's words (their
 * reason, or their "not solved" rating with its comment) are their message on the follow-up (P7/P9
 * as for any of theirs, and it owes a response as their reply does), so they reach support.
 */
const answerOpenFollowUp = async (
  tx: EntityManager,
  deps: ChangeDeps & { clock: Clock; messageHooks?: readonly MessageHooks[] },
  earlier: Ticket,
  followUp: Ticket,
  input: ReopenRequest,
): Promise<Result<Reopened, Failure>> => {
  const message = followUpMessageOf(earlier, followUp, input);
  if (!message) return ok({ ticket: followUp, followUp: true, alreadyFiled: true });
  const posted = await postMessageIn(tx, deps, {
    at: { id: followUp.id, partnerId: followUp.partnerId },
    author: message.author,
    actor: input.actor,
    visibility: 'public',
    channel: message.channel,
    body: message.body,
    ...(message.ourLine !== undefined ? { ourLine: message.ourLine } : {}),
    attachmentIds: [],
  });
  if (!posted.ok) return posted;
  return ok({ ticket: posted.value.ticket, followUp: true, alreadyFiled: true });
};

/**
 * P11 in one transaction: reopen inside the window, or file a new ticket linked to the old one.
 * Used by the reopen route and by `rating.submitted` with `solved: false`.
 */
export const reopenIn = async (
  tx: EntityManager,
  deps: ChangeDeps & { clock: Clock; messageHooks?: readonly MessageHooks[] },
  input: ReopenRequest,
): Promise<Result<Reopened, Failure>> => {
  const locked = await ticketStore.lockForChange(tx, input.at.partnerId, input.at.id);
  if (!locked) return err({ kind: 'not_found', detail: 'No such ticket.' });
  const now = deps.clock.now();
  const result = reopen(locked, now, input.reason);
  if ('followUp' in result) {
    // One open follow-up per ticket: requests at once take turns on the old ticket's row lock
    // (above), so a later one finds the follow-up an earlier one filed (docs/adr/0029).
    const open = openFollowUp(await ticketStore.followUpsOf(tx, locked.partnerId, locked.id));
    if (open) return answerOpenFollowUp(tx, deps, locked, toTicket(open), input);
    // The requester's words only: the link is `linkedTicketId` (docs/adr/0029, sixth session of 2026-12-05).
    const request = followUpRequest(locked.request, (input.reasonIsRatingComment ? input.ratingComment : input.reason) || undefined);
    const filed = await fileTicketIn(tx, deps, {
      partnerId: locked.partnerId,
      channel: locked.channel,
      language: locked.language,
      request,
      linkedTicketId: locked.id,
      actor: input.actor,
    });
    return ok({ ticket: filed, followUp: true });
  }
  if ('violation' in result) return err(asFailure(result));
  if (!input.reason) return ok({ ticket: await commitChange(tx, deps, locked, byRating(result, input.ratingSurveyId), input.actor, now), followUp: false });
  if (!input.requesterMessage) {
    // A reason that is no message (a staff member's, a "not solved" rating's comment) is still shown
    // as the ticket's (history, `ticket.reopened`, webhooks): P9 masks it as a message, its particulars
    // vaulted; the requester's side is told in the thread, as for their message.
    const byAgent = input.actor.kind === 'staff';
    const masked = await rewriteBeforeStore(tx, deps, {
      ticket: locked,
      text: input.reason,
      actor: input.actor,
      byAgent,
      now,
      ...(input.reasonIsRatingComment ? { textOf: 'rating_comment' as const } : {}),
    });
    if (!byAgent) await postNotesIn(tx, locked, { notes: masked.notes, channel: locked.channel, now });
    const reopened = masked.text === input.reason ? result : reopen(locked, now, masked.text);
    if ('followUp' in reopened || 'violation' in reopened) throw new Error(`ticket ${locked.id}: masking its reason changed whether it reopens`);
    // P9: the reopened mail tells the requester too (a staff member's reason is told to the staff member).
    const told = !byAgent && masked.vaulted > 0 ? { ...reopened, effects: reopened.effects.map((e) => (e.kind === 'reopened' ? { ...e, credentialsVaulted: masked.vaulted } : e)) } : reopened;
    return ok({ ticket: await commitChange(tx, deps, locked, byRating(told, input.ratingSurveyId), input.actor, now, masked.text), followUp: false });
  }

  // The requester's words on the thread (a comment on the resolved ticket), then the reopening,
  // whose reason (history, `ticket.reopened`) is the text as the thread keeps it, masked (P9).
  const posted = await postMessageIn(tx, deps, {
    at: input.at,
    author: input.requesterMessage.author,
    actor: input.actor,
    visibility: 'public',
    channel: input.requesterMessage.channel,
    body: input.reason,
    attachmentIds: [],
    // A site reply reopens by itself (P11); this one is the reopening's reason, and reopens below.
    reasonOfReopen: true,
    now,
  });
  if (!posted.ok) return posted;
  const reason = posted.value.message.body;
  const commented = await ticketStore.lockForChange(tx, input.at.partnerId, input.at.id);
  const reopened = commented && reopen(commented, now, reason);
  if (!commented || !reopened || 'followUp' in reopened || 'violation' in reopened) throw new Error(`ticket ${input.at.id}: a comment changed whether it reopens`);
  return ok({ ticket: await commitChange(tx, deps, commented, reopened, input.actor, now, reason), followUp: false });
};

export const reopenTicket = (deps: ChangeDeps & { clock: Clock; unitOfWork: UnitOfWork; messageHooks?: readonly MessageHooks[] }, input: ReopenRequest) =>
  deps.unitOfWork.run((tx) => reopenIn(tx, deps, input));
