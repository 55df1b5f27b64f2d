import type { EntityManager } from 'typeorm';
import { TicketCreatedV1, type EventData } from '@tss/contracts';
import { on, type HandlerBinding } from '@tss/messaging';
import { acknowledge, acknowledgmentText } from '../domain/acknowledgment';
import { acknowledgmentMail } from '../domain/acknowledgment-mail';
import { isStandInMessageId } from '../domain/inbound-mail';
import { displayNameOf } from '../domain/mail-delivery';
import { acknowledgmentStore } from '../store/acknowledgment.store';
import { inboundStore } from '../store/inbound.store';
import { acknowledgmentBatch } from '../use-cases/acknowledgment-batch';
import { draftMail, type QueueMailDeps } from '../use-cases/mail-queue';
import { siteRequesterOf, type SiteLinks } from '../use-cases/site-links';

export interface TicketCreatedDeps extends QueueMailDeps {
  /** P12: the support-site link every mail to the requester carries. */
  siteLinks: SiteLinks;
}

/**
 * P8: the Message-ID of the mail that filed the ticket, which its acknowledgment answers: the one
 * intake names, or (an older intake's event) the sender's newest mail not yet matched to a ticket.
 */
const claimOpeningMail = async (
  tx: EntityManager,
  data: Pick<EventData<typeof TicketCreatedV1>, 'channel' | 'openingMessageId'>,
  ticket: { ticketId: string; partnerId: string; email: string },
): Promise<string | undefined> => {
  if (data.openingMessageId) {
    await inboundStore.claimMailByMessageId(tx, { partnerId: ticket.partnerId, messageId: data.openingMessageId, ticketId: ticket.ticketId });
    return data.openingMessageId;
  }
  return data.channel === 'email' ? inboundStore.claimOpeningMail(tx, { partnerId: ticket.partnerId, sender: ticket.email, ticketId: ticket.ticketId }) : undefined;
};

/**
 * P3: every accepted request gets an acknowledgment carrying its reference number. A ticket with a
 * requester e-mail (an API ticket too: the 201 accepts it for the partner, the mail acknowledges it
 * to the person) gets it by mail, queued in this transaction and sent after it commits. The
 * acknowledgment, its mail, the mail's timer and the requester's contact are written at the end of
 * the consumer batch, with the batch's others, in one statement (`acknowledgmentBatch`, issue #15).
 */
export const onTicketCreated = (deps: TicketCreatedDeps): HandlerBinding =>
  on(TicketCreatedV1, async (event, { tx, now, batch }) => {
    const ack = acknowledge({
      ticketId: event.subject,
      partnerId: event.data.partnerId,
      reference: event.data.reference,
      channel: event.data.channel,
      recipient: event.data.requester.email,
      missingDetails: event.data.missingDetails,
    });
    const recorded = {
      ticketId: ack.ticketId,
      partnerId: ack.partnerId,
      reference: ack.reference,
      channel: ack.channel,
      recipient: ack.recipient ?? null,
      delivery: ack.delivery,
      body: acknowledgmentText(ack),
      recordedAt: now,
    };
    const email = event.data.requester.email;
    if (!email) {
      acknowledgmentBatch.defer(batch, { acknowledgment: recorded });
      return;
    }
    const language = event.data.language ?? 'en';
    const requesterName = displayNameOf(event.data.requester.name);
    const siteRequester = siteRequesterOf(event.data.requester) ?? `mail:${email.toLowerCase()}`;
    const siteUrl = deps.siteLinks.urlFor({ ticketId: ack.ticketId, partnerId: ack.partnerId, requester: siteRequester, language }, now);
    const ctx = { reference: event.data.reference, subject: event.data.subject, language, siteUrl };
    // A request by mail is acknowledged as an answer to that mail, so the requester's client threads it.
    const openingMail = await claimOpeningMail(tx, event.data, { ticketId: ack.ticketId, partnerId: ack.partnerId, email });
    // P11: a follow-up says which request it continues (the one its ticket.created links), which
    // this batch may have acknowledged: its deferred acknowledgments are written first.
    let followsUp: string | undefined;
    if (event.data.linkedTicketId) {
      await acknowledgmentBatch.writeNow(batch);
      followsUp = await acknowledgmentStore.referenceOf(tx, event.data.linkedTicketId);
    }
    const drafted = draftMail(
      deps,
      {
        ticketId: ack.ticketId,
        partnerId: ack.partnerId,
        kind: 'acknowledgment',
        recipient: email,
        ...(requesterName ? { recipientName: requesterName } : {}),
        language,
        rendered: acknowledgmentMail(
          ctx,
          ack.missingDetails,
          {
            level: event.data.level,
            confirmed: event.data.levelConfirmed !== false,
            ...(event.data.levelRequested !== undefined ? { requested: event.data.levelRequested } : {}),
          },
          { followsUpReference: followsUp, credentialsVaulted: event.data.credentialsVaulted },
        ),
        // RFC 5322 §3.6.4: a mail that came without a Message-ID is answered without In-Reply-To (ours is no answer to give).
        ...(openingMail && !isStandInMessageId(openingMail) ? { inReplyTo: openingMail } : {}),
      },
      now,
    );
    const contact = { ticketId: ack.ticketId, partnerId: ack.partnerId, reference: ack.reference, email, requesterName: requesterName ?? null, language, subject: event.data.subject, threadRootId: drafted.messageId, siteRequester };
    acknowledgmentBatch.defer(batch, { acknowledgment: recorded, mailed: { drafted, contact, at: now, timers: deps.timers } });
  });
