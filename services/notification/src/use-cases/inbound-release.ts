import type { EntityManager } from 'typeorm';
import type { Outbox } from '@tss/messaging';
import { err, ok, type Failure, type Result } from '@tss/service-kit';
import { hasOwnText } from '../domain/inbound-filed-text';
import { mailLanguage } from '../domain/inbound-language';
import { releaseConflict, type ReleaseTarget } from '../domain/inbound-release';
import { inboundStore } from '../store/inbound.store';
import { partnerDirectoryStore } from '../store/partner-directory.store';
import { forwardToIntake } from './inbound-forward';
import { unknownPartner } from './known-partner';

export interface InboundRelease {
  inboundId: string;
  outcome: 'new_ticket' | 'threaded';
  partnerId: string;
  ticketId?: string;
  releasedBy: string;
  releasedAt: Date;
}

/** The 404 of a release naming no mail received. */
export const NO_SUCH_MAIL: Failure = { kind: 'not_found', detail: 'No inbound mail has this id.' };

const unprocessable = (pointer: string, detail: string): Failure => ({ kind: 'unprocessable', detail, extensions: { errors: [{ in: 'body', pointer, message: detail }] } });

/** Where the mail goes: the partner to file for (registered and active), or a ticket notification knows whose partner is not deactivated. */
const resolveTarget = async (tx: EntityManager, target: ReleaseTarget): Promise<Result<{ partnerId: string; ticketId?: string }, Failure>> => {
  if (target.partnerId !== undefined) {
    const unknown = await unknownPartner(tx, target.partnerId);
    return unknown ? err(unknown) : ok({ partnerId: target.partnerId });
  }
  const ticket = target.reference !== undefined ? await inboundStore.ticketOfReference(tx, target.reference) : await inboundStore.knownTicket(tx, target.ticketId);
  if (!ticket) return err(unprocessable('/ticketId', `No ticket ${target.reference ?? target.ticketId} is known to notification: name a ticket that exists (its id or its reference number).`));
  if ((await partnerDirectoryStore.activeOf(tx, ticket.partnerId)) === false) {
    return err(unprocessable('/ticketId', `Ticket ${ticket.ticketId} belongs to partner ${ticket.partnerId}, which is deactivated: its mail is threaded onto none of its tickets.`));
  }
  return ok(ticket);
};

/**
 * docs/adr/0067: an agent releases a quarantined mail, to be filed for a partner or threaded onto a
 * ticket. Under the mail's row lock, so a second release (a retry, another agent) waits and is a
 * conflict that changes nothing. The mail then goes the way a received one goes
 * (`forwardToIntake`): intake files or threads it, a filed one is acknowledged (P3), and the
 * release is recorded on the mail (who, when). Quarantined mail kept neither its attachment files
 * nor its access particulars (P9), so the released mail carries its masked text alone, and the
 * From name kept with it (the requester's name on the ticket filed).
 */
export const releaseQuarantinedMail = async (
  tx: EntityManager,
  outbox: Outbox,
  args: { inboundId: string; target: ReleaseTarget; by: string; at: Date },
): Promise<Result<InboundRelease, Failure>> => {
  const mail = await inboundStore.lockById(tx, args.inboundId);
  if (!mail) return err(NO_SUCH_MAIL);
  const conflict = releaseConflict(mail);
  if (conflict) return err({ kind: 'conflict', detail: conflict });
  const target = await resolveTarget(tx, args.target);
  if (!target.ok) return target;
  const outcome = target.value.ticketId ? 'threaded' : 'new_ticket';
  await inboundStore.markReleased(tx, { id: mail.id, outcome, ticketId: target.value.ticketId ?? null, partnerId: target.value.partnerId, by: args.by, at: args.at });
  // Received, as far as intake and the response clock know, when an agent let it in: until then no one was told of it (P3).
  await forwardToIntake(tx, outbox, target.value, {
    inboundId: mail.id,
    messageId: mail.messageId,
    from: mail.sender,
    ...(mail.senderName ? { fromName: mail.senderName } : {}),
    subject: mail.subject,
    text: mail.textBody,
    attachments: [],
    receivedAt: args.at,
    language: mailLanguage(mail.subject, mail.textBody),
    // Kept whole in the quarantine (its forwarded files unfolded into it): threaded or filed, it
    // describes a request only with words of its own (P2, docs/adr/0035, sixth session).
    ownText: hasOwnText({ text: mail.textBody, subject: mail.subject, forwarded: [] }),
  });
  return ok({ inboundId: mail.id, outcome, partnerId: target.value.partnerId, ...(target.value.ticketId ? { ticketId: target.value.ticketId } : {}), releasedBy: args.by, releasedAt: args.at });
};
