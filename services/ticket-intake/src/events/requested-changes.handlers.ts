import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { cutText, EscalationReferralRequestedV1,
  NotificationAcknowledgmentSentV1,
  NotificationDeliveryFailedV1,
  NotificationEmailReceivedV1,
  RatingSubmittedV1,
  TicketReferralRejectedV1,
  type Language,
  type RefusedAttachment, } from '@tss/contracts';
import { on, type HandlerBinding } from '@tss/messaging';
import { withoutAccessParticulars, type AttachmentSizeLimits, type Clock } from '@tss/service-kit';
import type { Actor } from '../domain/actor';
import { isRequesterAddress, mailActor, mailAuthor, mailUploader } from '../domain/mail-author';
import { mailedDescription } from '../domain/mailed-description';
import { filedFromMailNote, refusedAttachmentsNote } from '../domain/mail-notes';
import { mailRequesterId } from '../domain/requester-id';
import { followedUpDetails, followUpSubject, openFollowUp } from '../domain/follow-up';
import { applyReferral, mailReplyFollowsUp, type Ticket } from '../domain/ticket';
import { messageStore } from '../store/message.store';
import { partnerStore } from '../store/partner.store';
import type { TicketRow } from '../store/ticket.entity';
import { ticketStore, toTicket } from '../store/ticket.store';
import { commitChange, type ChangeDeps } from '../use-cases/commit-change';
import { rewriteFileNames } from '../use-cases/file-name-particulars';
import { fileTicketIn, type FilingHooks } from '../use-cases/file-ticket';
import { postMessageIn, postNotesIn, rewriteBeforeStore, type MessageHooks } from '../use-cases/post-message';
import { reopenIn } from '../use-cases/reopen-ticket';

const requesterName = (name: string | undefined): { name?: string } => (name ? { name } : {});

export interface RequestedChangeDeps extends ChangeDeps {
  clock: Clock;
  logger: Logger;
  reopenWindowMs: number;
  messageHooks?: readonly MessageHooks[];
}

/**
 * Changes other services ask for (DESIGN "Who owns what"), applied through the inbox: each runs in
 * the transaction that records the event as handled, so a redelivered event changes nothing.
 * A request the ticket's state refuses is logged (or answered with `ticket.referral_rejected`),
 * never retried: retrying cannot make it valid.
 */
export const requestedChangeHandlers = (deps: RequestedChangeDeps): HandlerBinding[] => {
  const withOutbox = (outbox: ChangeDeps['outbox']) => ({ ...deps, outbox });

  const emailReceived = on(NotificationEmailReceivedV1, async (event, { tx, outbox }) => {
    // P9: the mail as written, particulars included, comes only in transit, for the vault to take
    // them (message and filing hooks); without it (none held, or the copy was scrubbed) the kept text (docs/adr/0070).
    const mail = { ...event.data, ...event.data.inTransit };
    // The Message-ID is the mail's identity: the same mail delivered twice (two inbound polls) threads once.
    if (await messageStore.hasEmailMessageId(tx, mail.messageId)) return;
    const threaded = mail.ticketId
      ? await (mail.partnerId ? ticketStore.findForPartner(tx, mail.partnerId, mail.ticketId) : ticketStore.findAnyPartner(tx, mail.ticketId))
      : null;
    /**
     * P8: the mail's attachments become the ticket's (checked by content here, as uploads are).
     * P9: their names, the refused ones' too (the thread and the requester's mail name them), are
     * vaulted and masked as the mail's text is, for whoever sent it (`vaulted`: what to tell them).
     */
    const mailed = async (
      ticket: Ticket,
      by: Actor,
      sender: { actor: Actor; now: Date; otherSender?: string },
    ): Promise<{ accepted: string[]; refused: RefusedAttachment[]; limits?: AttachmentSizeLimits; vaulted: { notes: string[]; count: number } }> => {
      const vaulted = { notes: [] as string[], count: 0 };
      const registrar = (deps.messageHooks ?? []).find((h) => h.registerMailed);
      if (!registrar?.registerMailed || mail.attachmentPointers.length === 0) return { accepted: [], refused: [], vaulted };
      const rewriteNames = async (names: readonly string[]) => {
        const rewritten = await rewriteFileNames(names, (text) =>
          rewriteBeforeStore(tx, deps, { ticket, text, actor: sender.actor, byAgent: false, now: sender.now, visibility: 'public', textOf: 'file_name', ...(sender.otherSender ? { otherSender: sender.otherSender } : {}) }),
        );
        vaulted.notes.push(...rewritten.notes);
        vaulted.count += rewritten.vaulted;
        return rewritten.names;
      };
      return { ...(await registrar.registerMailed(tx, { ticket, attachments: mail.attachmentPointers, actor: by, rewriteNames })), vaulted };
    };
    /**
     * P8: refused files are the system's note on the thread, in the ticket's language, never added to
     * the mail's own words; `ticket.attachments_refused` has notification tell the requester by mail
     * how to send them (docs/adr/0035, addendum of 2026-12-04, sixth session).
     */
    const tellRefused = async (
      ticket: { id: string; partnerId: string; language: Language },
      input: { messageId: string; refused: RefusedAttachment[]; limits?: AttachmentSizeLimits; fromRequester: boolean; actor: Actor },
    ) => {
      if (input.refused.length === 0) return;
      const now = deps.clock.now();
      await messageStore.insert(tx, {
        id: randomUUID(),
        ticketId: ticket.id,
        partnerId: ticket.partnerId,
        author: { kind: 'system' },
        visibility: 'public',
        channel: 'email',
        body: refusedAttachmentsNote(input.refused, ticket.language),
        attachmentIds: [],
        createdAt: now,
      });
      const locked = await ticketStore.lockForChange(tx, ticket.partnerId, ticket.id);
      if (!locked) throw new Error(`refused attachments: no ticket ${ticket.id} of partner ${ticket.partnerId}`);
      const effect = { kind: 'attachments_refused' as const, messageId: input.messageId, channel: 'email' as const, fromRequester: input.fromRequester, files: input.refused, ...(input.limits ? { limits: input.limits } : {}) };
      await commitChange(tx, withOutbox(outbox), locked, { ticket: locked, effects: [effect] }, input.actor, now);
    };
    /** P8: the mail as a public message on `target`, as any reply to a ticket at work is. */
    const threadOnto = async (target: TicketRow) => {
      // Threaded whoever sent it; authored (and recorded) as the requester only from their own address.
      const author = mailAuthor({ id: target.requesterId, email: target.request.requester?.email }, mail.from);
      const actor = mailActor(author, mail.from);
      const attachments = await mailed(toTicket(target), mailUploader(author, mail.from), {
        actor,
        now: deps.clock.now(),
        ...(author.kind === 'email_sender' ? { otherSender: author.name } : {}),
      });
      const posted = await postMessageIn(tx, withOutbox(outbox), {
        at: { id: target.id, partnerId: target.partnerId },
        author,
        actor,
        visibility: 'public',
        channel: 'email',
        // The sender's words as written: what was refused is the system's note, below.
        body: mail.text,
        subject: mail.subject,
        attachmentIds: attachments.accepted,
        emailMessageId: mail.messageId,
        vaultedFromFiles: attachments.vaulted,
        // P2: a reply of only a quote header or a signature describes no request (docs/adr/0035, fifth session).
        ...(mail.ownText !== undefined ? { ownText: mail.ownText } : {}),
      });
      if (!posted.ok) {
        deps.logger.warn({ ticketId: target.id, problem: posted.error }, 'inbound mail not threaded');
        return;
      }
      await tellRefused(posted.value.ticket, { messageId: posted.value.message.id, refused: attachments.refused, limits: attachments.limits, fromRequester: author.kind === 'requester', actor });
    };
    // P11: inside the reopen window a reply reopens a resolved ticket (receiveRequesterMessage); after it, it follows up.
    if (threaded && !mailReplyFollowsUp(toTicket(threaded), deps.clock.now())) return threadOnto(threaded);
    if (threaded) {
      // P11: one open follow-up per closed ticket, whichever way "not solved" reaches it (reopen
      // request, rating, mail): under the closed ticket's row lock, as reopenIn takes it, so mails
      // handled at once (two consumer replicas) take turns and a later one finds the follow-up an
      // earlier one filed (docs/adr/0029, addendum of 2026-12-04, fourth session).
      await ticketStore.lockForChange(tx, threaded.partnerId, threaded.id);
      // Another delivery of this very mail may have filed or threaded it while this one waited.
      if (await messageStore.hasEmailMessageId(tx, mail.messageId)) return;
      const open = openFollowUp(await ticketStore.followUpsOf(tx, threaded.partnerId, threaded.id));
      if (open) return threadOnto(open);
    }
    const partnerId = threaded?.partnerId ?? mail.partnerId;
    const fromTheRequester = threaded !== null && isRequesterAddress(threaded.request.requester?.email, mail.from);
    if (!partnerId) {
      deps.logger.warn({ eventId: event.id }, 'inbound mail names no partner and no ticket: not filed');
      return;
    }
    // P8/P11: a new request by mail, or a reply to a closed ticket or one past its reopen window that has no open follow-up:
    // a new ticket, linked when it follows one up. Its sender is its requester, whoever requested the one it follows up.
    const actor = { kind: 'requester' as const, id: mail.from };
    const requesterId = (fromTheRequester ? threaded?.requesterId : undefined) ?? mailRequesterId(mail.from);
    // P2: a mail of only a signature or quoted history describes nothing; the thread keeps what it held.
    const described = mailedDescription(mail);
    /**
     * The filing note opens the ticket (docs/mail.md) and carries the mail's files: written once
     * the row exists, at the filing's instant and before the parts' own filing work, so the vault's
     * notice of particulars the request held (P9) comes after it, in the same transaction.
     */
    let filed: { noteId: string; attachments: { accepted: string[]; refused: RefusedAttachment[]; limits?: AttachmentSizeLimits } } | undefined;
    const filingNote: FilingHooks = {
      beforeFiling: (request) => ({
        request,
        after: async (_tx, opened, filedBy, filedAt) => {
          // Its files are uploaded by the requester under their id, as the ticket names them.
          const attachments = await mailed(opened, { kind: 'requester', id: requesterId }, { actor: filedBy, now: filedAt });
          const noteId = randomUUID();
          await messageStore.insert(tx, {
            id: noteId,
            ticketId: opened.id,
            partnerId: opened.partnerId,
            author: { kind: 'system' },
            // Public: it carries what the requester mailed (their attachments).
            visibility: 'public',
            channel: 'email',
            // In the ticket's language, without the Message-ID: staff read that as the note's emailMessageId.
            body: filedFromMailNote(opened.language),
            attachmentIds: attachments.accepted,
            emailMessageId: mail.messageId,
            createdAt: filedAt,
          });
          if (attachments.accepted.length > 0) {
            const linker = (deps.messageHooks ?? []).find((h) => h.linkAttachments);
            await linker?.linkAttachments?.(tx, { ticket: opened, messageId: noteId, attachmentIds: attachments.accepted });
          }
          // P2/P8: a mail with no words of its own describes nothing, but is on the thread as it came,
          // in its sender's name, after the note (docs/adr/0035, addendum of 2026-12-05, sixth session).
          const kept = described.keptOnThread === undefined ? undefined : await keptOnThread(opened, described.keptOnThread, filedBy, filedAt);
          // P9: the requester is told in the thread of particulars their files' names held, and its text.
          await postNotesIn(tx, opened, { notes: [...attachments.vaulted.notes, ...(kept?.notes ?? [])], channel: 'email', now: filedAt });
          filed = { noteId, attachments };
        },
      }),
    };
    /** The mail's text as a message of its sender's, masked as any message is (P9): returns the vault's notes. */
    const keptOnThread = async (opened: Ticket, text: string, filedBy: Actor, filedAt: Date): Promise<{ notes: string[] }> => {
      const id = randomUUID();
      const written = await rewriteBeforeStore(tx, deps, { ticket: opened, messageId: id, text, actor: filedBy, byAgent: false, now: filedAt, visibility: 'public' });
      await messageStore.insert(tx, {
        id,
        ticketId: opened.id,
        partnerId: opened.partnerId,
        author: mailAuthor({ id: requesterId, email: mail.from }, mail.from),
        visibility: 'public',
        channel: 'email',
        body: written.text,
        attachmentIds: [],
        createdAt: filedAt,
      });
      return { notes: written.notes };
    };
    const ticket = await fileTicketIn(tx, { ...withOutbox(outbox), filingHooks: [filingNote, ...(deps.filingHooks ?? [])] }, {
      partnerId,
      channel: 'email',
      // P11: a follow-up keeps the language of the request it follows up, as one filed by POST …/reopen
      // does: its requester's reply ("Отправлено с iPhone", a product name) is too short to tell it
      // (docs/adr/0029, addendum of 2026-12-05, sixth session). A new request is in the mail's, as notification read it.
      language: threaded ? threaded.language : mail.language,
      request: {
        // P2/P11: a follow-up keeps the request it follows up (product, version, environment), as
        // POST …/reopen files it (docs/adr/0029); the words are the mail's, the requester its sender.
        ...(threaded ? followedUpDetails(threaded.request) : {}),
        // A follow-up goes by the request it follows up, not by the reply's subject (our own mail's, quoted).
        subject: (threaded ? followUpSubject(threaded.request) : cutText(mail.subject, 200)) || undefined,
        // P2: a mail with no text, or no words of its own, has no description: empty, listed in missingDetails
        // and asked for in the acknowledgment, never words nobody wrote (docs/adr/0035, addenda of 2026-12-05, fifth and sixth sessions).
        description: described.description,
        // A mail names its sender only: `mail:<address>` is the requester's id, so a requester token and the support site can name them (docs/adr/0039).
        // A follow-up keeps the earlier requester's id only when they sent it (domain/mail-author.ts).
        // Its name is the From display name (notification bounds it to one line of 200 characters), else the earlier requester's when they sent it.
        requester: { email: mail.from, ...requesterName(mail.fromName ?? (fromTheRequester ? threaded?.request.requester?.name : undefined)), id: requesterId },
      },
      ...(threaded ? { linkedTicketId: threaded.id } : {}),
      // P8: the acknowledgment answers this very mail, not whichever of the sender's mails came last.
      openingMessageId: mail.messageId,
      actor,
    });
    if (!filed) throw new Error(`mail ${mail.messageId}: ticket ${ticket.id} filed without its filing note`);
    const { noteId, attachments } = filed;
    // The mail's sender is this ticket's requester.
    await tellRefused(ticket, { messageId: noteId, refused: attachments.refused, limits: attachments.limits, fromRequester: true, actor });
  });

  const acknowledgmentSent = on(NotificationAcknowledgmentSentV1, async (event, { tx, outbox }) => {
    // P3: an API ticket was accepted by its 201 at filing (`fileTicket`), and a ticket's channel
    // never changes: its acknowledgment changes nothing, so no locking read (issue #11, docs/adr/0049).
    // The channel is the ticket's own, from intake's `ticket.created`.
    if (event.data.channel === 'api') return;
    const locked = await ticketStore.lockForChange(tx, event.data.partnerId, event.subject);
    if (!locked || locked.acceptedAt) return; // P3: accepted once; API tickets were accepted by their 201
    const acceptedAt = new Date(event.data.sentAt);
    await commitChange(tx, withOutbox(outbox), locked, { ticket: { ...locked, acceptedAt }, effects: [{ kind: 'accepted', via: 'acknowledgment' }] }, { kind: 'service', id: 'notification' }, deps.clock.now());
  });

  // P3: an acknowledgment that could not be delivered goes on the ticket's record, so staff see the
  // requester has no reference number by mail; the ticket's state does not change.
  const acknowledgmentFailed = on(NotificationDeliveryFailedV1, async (event, { tx, outbox }) => {
    if (event.data.kind !== 'mail.acknowledgment' || !event.data.partnerId) return;
    const locked = await ticketStore.lockForChange(tx, event.data.partnerId, event.subject);
    if (!locked) return;
    const effect = { kind: 'acknowledgment_failed' as const, reason: event.data.reason, failedAt: new Date(event.data.failedAt) };
    await commitChange(tx, withOutbox(outbox), locked, { ticket: locked, effects: [effect] }, { kind: 'service', id: 'notification' }, deps.clock.now());
  });

  const referralRequested = on(EscalationReferralRequestedV1, async (event, { tx, outbox }) => {
    const { referralId } = event.data;
    // P9: escalation removes particulars from a reason before publishing it; an older escalation's
    // event carries them as written, and the history keeps the reason (docs/adr/0026, addendum of
    // 2026-12-05, fourth session): removed, not vaulted, as for text kept before the vault.
    const reason = withoutAccessParticulars(event.data.reason);
    const target = event.data.target ?? 'development';
    const locked = await ticketStore.lockForChange(tx, event.data.partnerId, event.subject);
    if (!locked) {
      // Not this partner's ticket, or none: answered all the same, so the referral does not stay `requested` (docs/adr/0039).
      deps.logger.warn({ ticketId: event.subject, referralId }, 'referral for an unknown ticket: rejected');
      await outbox.add(tx, TicketReferralRejectedV1, event.subject, { partnerId: event.data.partnerId, sequence: 1, referralId, reason: 'No such ticket.' });
      return;
    }
    const actor = { kind: 'staff' as const, id: event.data.requestedBy };
    const now = deps.clock.now();
    const change = applyReferral(locked, { referralId, target, reason }, now, deps.reopenWindowMs);
    if ('violation' in change) {
      await commitChange(tx, withOutbox(outbox), locked, { ticket: locked, effects: [{ kind: 'referral_rejected', referralId, reason: change.violation.detail }] }, actor, now);
      return;
    }
    // P5/P6/P7: the reason is on the referral's own history entry, staff-only (domain/history-visibility.ts).
    await commitChange(tx, withOutbox(outbox), locked, change, actor, now);
  });

  const ratingSubmitted = on(RatingSubmittedV1, async (event, { tx, outbox }) => {
    if (event.data.solved) return;
    // docs/auth.md: a deactivated partner's requester reopens nothing. Rating refuses its links (410),
    // but a rating made before rating handled the deactivation still arrives: no reopening, no
    // follow-up (docs/adr/0040, addendum of 2026-12-04, sixth session). Unknown here is not refused.
    if ((await partnerStore.activeOf(tx, event.data.partnerId)) === false) {
      deps.logger.warn({ ticketId: event.subject, partnerId: event.data.partnerId }, 'a "not solved" rating of a deactivated partner\'s ticket: not reopened');
      return;
    }
    // P9: the comment as written comes only in transit, for the vault (reopenIn masks the reason as
    // it vaults them); without it (none held, or the copy was scrubbed), the kept one (docs/adr/0070).
    const comment = event.data.inTransit?.comment ?? event.data.comment;
    const result = await reopenIn(tx, withOutbox(outbox), {
      at: { id: event.subject, partnerId: event.data.partnerId },
      reason: comment ? `Rated not solved: ${comment}` : 'Rated not solved.',
      actor: { kind: 'service', id: 'rating' },
      reasonIsRatingComment: true,
      ...(comment ? { ratingComment: comment } : {}),
      ratingSurveyId: event.data.surveyId,
    });
    if (!result.ok) deps.logger.warn({ ticketId: event.subject, problem: result.error }, 'a "not solved" rating could not reopen its ticket');
  });

  return [emailReceived, acknowledgmentSent, acknowledgmentFailed, referralRequested, ratingSubmitted];
};
