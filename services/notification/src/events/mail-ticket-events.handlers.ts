import type { EntityManager } from 'typeorm';
import {
  RatingRequestedV1,
  TicketAgentRepliedV1,
  TicketAttachmentsRefusedV1,
  TicketClosedV1,
  TicketCredentialsStoredAfterResolutionV1,
  TicketMessageReceivedV1,
  TicketReopenedV1,
  TicketResolvedV1,
  TicketRespondedV1,
  TicketStatusChangedV1,
  type Language,
  type RepliedAttachment,
} from '@tss/contracts';
import { on, type HandlerBinding } from '@tss/messaging';
import type { TimerHandler } from '@tss/timers';
import type { RenderedMail, TicketMailContext } from '../domain/mail-template';
import { agentReplyMail, attachmentsRefusedMail, closedOutOfScopeMail, credentialsAfterResolutionMail, credentialsVaultedMail, informationRequestedMail, ratingInvitationMail, reopenedMail, resolvedMail } from '../domain/mail-templates';
import { linkBelongsToResolution, linkKeptOnReopening, linkOnResolution, placeRatingLink } from '../domain/rating-link';
import { mailStore, type MailContact, type MailKind } from '../store/mail.store';
import { queueMail, type QueueMailDeps } from '../use-cases/mail-queue';
import type { SiteLinks } from '../use-cases/site-links';
import { acknowledgmentBatch } from '../use-cases/acknowledgment-batch';

export const MAIL_RESOLVED_TIMER = 'mail.resolved';
const resolvedTimerId = (ticketId: string): string => `mail-resolved:${ticketId}`;

export interface TicketMailDeps extends QueueMailDeps {
  /** P11: how long the resolved mail waits for `rating.requested`, so both go in one mail. */
  ratingWaitMs: number;
  /** P12: the support-site link every mail to the requester carries. */
  siteLinks: SiteLinks;
}

const languageOf = (contact: MailContact): Language => (contact.language === 'ru' ? 'ru' : 'en');

/**
 * The requester's mail about their ticket (issue #11 "E-mail out"). Only tickets with a mail
 * contact (a requester e-mail, recorded on `ticket.created`) get mail; each mail names the
 * ticket's first Message-ID in In-Reply-To/References so clients thread them.
 */
export const mailTicketHandlers = (deps: TicketMailDeps): { handlers: HandlerBinding[]; timers: Record<string, TimerHandler> } => {
  const contextOf = (contact: MailContact, now: Date): TicketMailContext => ({
    reference: contact.reference,
    subject: contact.subject,
    language: languageOf(contact),
    siteUrl: deps.siteLinks.urlFor({ ticketId: contact.ticketId, partnerId: contact.partnerId, requester: contact.siteRequester, language: languageOf(contact) }, now),
  });
  const send = async (tx: EntityManager, contact: MailContact, kind: MailKind, rendered: RenderedMail, now: Date, threadMessageId?: string) =>
    queueMail(
      tx,
      deps,
      {
        ticketId: contact.ticketId,
        partnerId: contact.partnerId,
        kind,
        recipient: contact.email,
        ...(contact.requesterName ? { recipientName: contact.requesterName } : {}),
        language: contact.language,
        rendered,
        ...(contact.threadRootId ? { inReplyTo: contact.threadRootId } : {}),
        ...(threadMessageId ? { threadMessageId } : {}),
      },
      now,
    );

  /**
   * P8: every public agent message reaches the requester by mail, once. Intake publishes
   * `ticket.agent_replied` for each, and `ticket.responded` besides for the one that gave a response
   * owed (P5); an older intake publishes only the latter. Whichever names the message first mails it;
   * the contact's lock makes the other wait and then find the mail (docs/adr/0035, addendum of 2026-12-05).
   */
  const mailAgentReply = async (tx: EntityManager, ticketId: string, reply: { messageId: string; body?: string; bodyCut?: boolean; attachments?: RepliedAttachment[] }, now: Date) => {
    const contact = await mailStore.contact(tx, ticketId);
    if (!contact || (await mailStore.threadMessageMailed(tx, reply.messageId))) return;
    // P8: the files it carries are named, with their downloads (`ticket.agent_replied` only; `ticket.responded` names none).
    const rendered = agentReplyMail(contextOf(contact, now), reply.body, reply.bodyCut ?? false, reply.attachments ?? []);
    await send(tx, contact, 'agent_reply', rendered, now, reply.messageId);
  };

  const agentReplied = on(TicketAgentRepliedV1, async (event, { tx, now }) => mailAgentReply(tx, event.subject, event.data, now));
  const responded = on(TicketRespondedV1, async (event, { tx, now }) => mailAgentReply(tx, event.subject, event.data, now));

  const statusChanged = on(TicketStatusChangedV1, async (event, { tx, now }) => {
    if (event.data.to !== 'awaiting_customer' || event.data.from === 'awaiting_customer') return;
    const contact = await mailStore.contact(tx, event.subject);
    if (contact) await send(tx, contact, 'information_requested', informationRequestedMail(contextOf(contact, now), event.data.reason, event.data.question), now);
  });

  /**
   * P11: notification reads `tss.ticket` and `tss.rating` side by side, so the rating link may come
   * first (a restart, a backlog): one read for this resolution is kept, and the resolved mail goes
   * at once with it; one for a later resolution stays for that one (docs/adr/0035, addendum of
   * 2026-12-05, third session).
   */
  const resolved = on(TicketResolvedV1, async (event, { tx, now }) => {
    const contact = await mailStore.contact(tx, event.subject);
    if (!contact) return;
    const link = linkOnResolution(contact.linkSequence, event.data.sequence);
    await mailStore.saveResolution(tx, contact.ticketId, {
      rateUrl: link === 'none' ? null : contact.rateUrl,
      resolvedAt: new Date(event.data.resolvedAt),
      reopenWindowEndsAt: new Date(event.data.reopenWindowEndsAt),
      credentialsHeld: event.data.credentialsHeld ?? false,
      resolvedMailId: null,
      resolutionSequence: event.data.sequence,
      ...(link === 'none' ? { linkSequence: null } : {}),
    });
    const dueAt = link === 'this-resolution' ? now : new Date(now.getTime() + deps.ratingWaitMs);
    await deps.timers.schedule(tx, { id: resolvedTimerId(contact.ticketId), kind: MAIL_RESOLVED_TIMER, dueAt, payload: { ticketId: contact.ticketId } });
  });

  /**
   * P11: the link goes with the resolution it names (`ticketSequence`), read before or after it; an
   * earlier resolution's, read late, is never mailed (rating superseded or withdrew its survey). A
   * link naming none (an older rating) is the current resolution's, as before.
   */
  const ratingRequested = on(RatingRequestedV1, async (event, { tx, now, logger }) => {
    const contact = await mailStore.contact(tx, event.subject);
    if (!contact) return;
    const place = placeRatingLink(event.data.ticketSequence, { ...contact, resolved: contact.resolvedAt !== null });
    if (place === 'superseded') {
      logger.info(
        { ticketId: contact.ticketId, ticketSequence: event.data.ticketSequence, resolutionSequence: contact.resolutionSequence },
        'rating link of a resolution superseded or reopened since: not mailed',
      );
      return;
    }
    await mailStore.saveResolution(tx, contact.ticketId, { ...contact, rateUrl: event.data.rateUrl, linkSequence: event.data.ticketSequence ?? null });
    if (place === 'kept-for-its-resolution') return; // its ticket.resolved, not read yet, finds it
    if (contact.resolvedMailId) {
      // The resolved mail has gone already: the invitation follows on its own.
      await send(tx, contact, 'rating_invitation', ratingInvitationMail(contextOf(contact, now), event.data.rateUrl), now);
    } else if (contact.resolvedAt) {
      // P11: the link is here; the resolved mail need not wait any longer.
      await deps.timers.schedule(tx, { id: resolvedTimerId(contact.ticketId), kind: MAIL_RESOLVED_TIMER, dueAt: now, payload: { ticketId: contact.ticketId } });
    }
  });

  const reopened = on(TicketReopenedV1, async (event, { tx, now }) => {
    const contact = await mailStore.contact(tx, event.subject);
    if (!contact) return;
    await deps.timers.cancel(tx, resolvedTimerId(contact.ticketId)); // reopened before its resolved mail went: it never goes
    // A link read already for a later resolution (the rating topic read ahead) stays for it.
    const keptLink = linkKeptOnReopening(contact.linkSequence, event.data.sequence);
    await mailStore.saveResolution(tx, contact.ticketId, {
      rateUrl: keptLink ? contact.rateUrl : null,
      resolvedAt: null,
      reopenWindowEndsAt: null,
      credentialsHeld: contact.credentialsHeld,
      resolvedMailId: null,
      ...(keptLink ? {} : { linkSequence: null }),
    });
    await send(tx, contact, 'reopened', reopenedMail(contextOf(contact, now), event.data.credentialsVaulted), now);
  });

  // P6: an out-of-scope closure tells the requester why, and whom to turn to (P9: and to change particulars).
  const closed = on(TicketClosedV1, async (event, { tx, now }) => {
    const contact = await mailStore.contact(tx, event.subject);
    if (!contact) return;
    const rendered = closedOutOfScopeMail(contextOf(contact, now), {
      reason: event.data.reason,
      ...(event.data.thirdParty ? { thirdParty: event.data.thirdParty } : {}),
      credentialsHeld: event.data.credentialsHeld ?? false,
    });
    if (rendered) await send(tx, contact, 'closed_out_of_scope', rendered, now);
  });

  // P8: the requester is told which of their mailed files were not accepted, and how to send them;
  // mail from another sender is told on the thread only (notification mails the requester alone).
  const attachmentsRefused = on(TicketAttachmentsRefusedV1, async (event, { tx, now }) => {
    if (!event.data.fromRequester) return;
    const contact = await mailStore.contact(tx, event.subject);
    if (contact) await send(tx, contact, 'attachments_refused', attachmentsRefusedMail(contextOf(contact, now), event.data.files, event.data.attachmentLimits), now);
  });

  // P9: particulars in the requester's message went to the vault: the thread says so, and so does a
  // mail, for a requester who reads only mail (intake sets the count only for the requester's own words).
  const messageReceived = on(TicketMessageReceivedV1, async (event, { tx, now }) => {
    if (!event.data.credentialsVaulted) return;
    const contact = await mailStore.contact(tx, event.subject);
    if (contact) await send(tx, contact, 'credentials_vaulted', credentialsVaultedMail(contextOf(contact, now)), now);
  });

  /**
   * P9: particulars handed over after the resolution go with the resolution's. The resolved mail
   * tells of those it knew; one still waiting for the rating link tells of these too (one mail);
   * once it has gone, a mail of their own names the deadline (docs/adr/0026, addendum of 2026-12-05,
   * second session).
   */
  const credentialsAfterResolution = on(TicketCredentialsStoredAfterResolutionV1, async (event, { tx, now }) => {
    const contact = await mailStore.contact(tx, event.subject);
    if (!contact) return;
    if (contact.resolvedAt && !contact.resolvedMailId) {
      await mailStore.saveResolution(tx, contact.ticketId, { ...contact, credentialsHeld: true });
      return;
    }
    await send(tx, contact, 'credentials_after_resolution', credentialsAfterResolutionMail(contextOf(contact, now), new Date(event.data.destroyAfter)), now);
  });

  const resolvedMailDue: TimerHandler = async (timer, tx) => {
    const { ticketId } = timer.payload as { ticketId: string };
    const contact = await mailStore.contact(tx, ticketId);
    if (!contact || contact.resolvedMailId || !contact.resolvedAt || !contact.reopenWindowEndsAt) return;
    const now = timer.claimedAt;
    // A link held for a later resolution (read ahead of its ticket events) is not this one's.
    const rateUrl = contact.rateUrl && linkBelongsToResolution(contact) ? contact.rateUrl : undefined;
    const queued = await send(
      tx,
      contact,
      'resolved',
      resolvedMail(contextOf(contact, now), {
        ...(rateUrl ? { rateUrl } : {}),
        credentialsHeld: contact.credentialsHeld,
        reopenWindowEndsAt: contact.reopenWindowEndsAt,
      }),
      now,
    );
    await mailStore.saveResolution(tx, ticketId, { ...contact, resolvedMailId: queued.id });
  };

  // Each reads the ticket's contact or mail line: the batch's acknowledgments (which write them) go first.
  return {
    handlers: acknowledgmentBatch.first([agentReplied, responded, statusChanged, resolved, ratingRequested, reopened, closed, attachmentsRefused, messageReceived, credentialsAfterResolution]),
    timers: { [MAIL_RESOLVED_TIMER]: resolvedMailDue },
  };
};
