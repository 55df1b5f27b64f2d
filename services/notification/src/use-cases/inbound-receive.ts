import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { blobKey, type BlobStorage } from '@tss/blob-storage';
import type { Outbox, UnitOfWork } from '@tss/messaging';
import { err, ok, withoutAccessParticulars, type Clock, type Failure, type Result } from '@tss/service-kit';
import {
  automatedReason,
  mailingListReason,
  inactivePartnerReason,
  NEW_TICKET_WINDOW_MS,
  newTicketLimitReason,
  otherPartnersSenderReason,
  outsideSenderReason,
  senderDomain,
  staffMailReplyReason,
  staffSenderReason,
  type InboundMail,
} from '../domain/inbound-mail';
import { mailLanguage } from '../domain/inbound-language';
import { forgedSenderReason } from '../domain/inbound-authentication';
import { filedText, hasOwnText } from '../domain/inbound-filed-text';
import { followUpOf, followUpReason } from '../domain/inbound-follow-up';
import { referenceInSubject, threadMessageIds } from '../domain/inbound-thread';
import { inboundStore, type AttachmentPointer, type InboundOutcome, type InboundRow } from '../store/inbound.store';
import { mailStore } from '../store/mail.store';
import { partnerDirectoryStore } from '../store/partner-directory.store';
import { staffDirectoryStore } from '../store/staff-directory.store';
import { forwardToIntake } from './inbound-forward';
import { parseInboundMail } from './inbound-parse';

export interface ReceiveInboundDeps {
  unitOfWork: UnitOfWork;
  outbox: Outbox;
  clock: Clock;
  logger: Logger;
  blobs: BlobStorage;
  /** Our own sending addresses (MAIL_FROM's), lower-cased: mail from them is ours looping back, never a person's. */
  ownAddresses: readonly string[];
  /** Staff addresses the configuration names (ESCALATION_NOTICE_FALLBACK_EMAIL), lower-cased; the staff directory adds its own. */
  staffAddresses: readonly string[];
  /** Tickets one sender address may file by mail within an hour; past it their mail is quarantined (an auto-responder's loop). */
  newTicketsPerSenderPerHour: number;
  /** MAIL_INBOUND_TRUSTED_AUTHSERV_ID: the receiving MTA whose Authentication-Results are believed; unset: none. */
  trustedAuthservId?: string;
}

/**
 * What the receipt says became of a mail: the record's outcome, except a reply to a ticket that no
 * longer takes mail, which is `follow_up` (P11): intake gives it to that ticket's open follow-up or
 * files one, which notification cannot know when it answers, so the receipt names no ticket
 * (docs/adr/0035, addendum of 2026-12-05, sixth session).
 */
export type InboundReceiptOutcome = InboundOutcome | 'follow_up';

export interface InboundReceipt {
  inboundId: string;
  outcome: InboundReceiptOutcome;
  /** True when this Message-ID had been received before: nothing was done again. */
  duplicate: boolean;
  /** The ticket a `threaded` mail was threaded onto; never on a `follow_up`. */
  ticketId?: string;
  reason?: string;
  /** P11, with `follow_up`: the ticket the mail names no longer takes mail (closed, or past its reopen window): intake gives it to its follow-up. This is its reference. */
  followUpOf?: string;
}

/**
 * The receipt of a recorded mail. The record keeps the ticket the mail named (`ticket_id`, which
 * threads later replies by their headers and is what intake is asked about); the receipt says only
 * what is true of it for the sender: a follow-up's mail was threaded onto no ticket it can name.
 */
const receiptOf = (recorded: { inboundId: string; outcome: InboundOutcome; duplicate: boolean; ticketId?: string | null; followUpOf?: string | null; reason?: string | null }): InboundReceipt => {
  const followsUp = recorded.outcome === 'threaded' && recorded.followUpOf ? recorded.followUpOf : undefined;
  return {
    inboundId: recorded.inboundId,
    outcome: followsUp ? 'follow_up' : recorded.outcome,
    duplicate: recorded.duplicate,
    ...(!followsUp && recorded.ticketId ? { ticketId: recorded.ticketId } : {}),
    ...(followsUp ? { followUpOf: followsUp } : {}),
    ...(recorded.reason ? { reason: recorded.reason } : {}),
  };
};

type Decision =
  | { outcome: 'threaded'; ticketId: string; partnerId: string; how: string; followUpOf?: string }
  | { outcome: 'new_ticket'; partnerId: string; how: string }
  | { outcome: 'quarantined'; how: string }
  | { outcome: 'ignored'; how: string };

/**
 * P8: where an inbound mail goes. Machines' mail, and our own coming back, is ignored (no tickets, no loops); a reply threads
 * by our Message-IDs, then by a valid reference in the subject; a new mail opens a ticket only when
 * its sender's domain belongs to a partner; anything else is quarantined for agents, never
 * acknowledged (docs/adr/0035-mail.md). A sender whose domain belongs to another partner than the
 * ticket's is quarantined too: one partner's people never write on, or file under, another's
 * tickets (tenancy), and a sender past MAIL_INBOUND_NEW_TICKETS_PER_SENDER_PER_HOUR new tickets files
 * no more (a loop with an auto-responder; docs/adr/0035 addendum of 2026-12-04, second session).
 * Mail for a partner the gateway deactivated is quarantined: it neither files nor threads
 * (docs/adr/0035 addendum of 2026-12-04, fourth session). A reply to our staff mail, and staff's own
 * mail naming a ticket, is quarantined: staff words never reach a ticket's public thread by mail
 * (docs/adr/0035 addendum of 2026-12-04, fifth session). Mail naming a ticket from anyone but its
 * requester and its partner's people is quarantined: a reference number is no secret (sixth session).
 */
const decide = async (
  tx: EntityManager,
  mail: InboundMail,
  deps: Pick<ReceiveInboundDeps, 'ownAddresses' | 'staffAddresses' | 'newTicketsPerSenderPerHour' | 'trustedAuthservId'>,
  now: Date,
): Promise<Decision> => {
  const automated = automatedReason(mail, deps.ownAddresses);
  if (automated) return { outcome: 'ignored', how: automated };
  // A From the receiving server found forged speaks for nobody: not on a ticket, not as its requester.
  const forged = forgedSenderReason(mail.headers, deps.trustedAuthservId);
  if (forged) return { outcome: 'quarantined', how: forged };
  const domain = senderDomain(mail.from);
  const senderPartnerId = await inboundStore.partnerOfDomain(tx, domain);
  const ids = threadMessageIds(mail);
  // Checked before the subject's reference is read: our staff mail names the ticket's reference too.
  const staffMail = await mailStore.staffMailOfMessageIds(tx, ids);
  if (staffMail) return { outcome: 'quarantined', how: staffMailReplyReason(staffMail) };
  const byHeader = (await mailStore.ticketOfMessageIds(tx, ids)) ?? (await inboundStore.ticketOfMessageIds(tx, ids));
  const reference = byHeader ? undefined : referenceInSubject(mail.subject);
  const byReference = reference ? await inboundStore.ticketOfReference(tx, reference) : undefined;
  const target = byHeader ?? byReference;
  if (target) {
    const how = byHeader ? 'In-Reply-To/References' : `reference ${reference} in the subject`;
    if (deps.staffAddresses.includes(mail.from) || (await staffDirectoryStore.hasAddress(tx, mail.from))) return { outcome: 'quarantined', how: staffSenderReason({ sender: mail.from, how }) };
    const refused = otherPartnersSenderReason({ domain, senderPartnerId, ticketPartnerId: target.partnerId, how });
    if (refused) return { outcome: 'quarantined', how: refused };
    const inactive = inactivePartnerReason({ whose: `the ticket named by ${how}`, partnerId: target.partnerId, active: await partnerDirectoryStore.activeOf(tx, target.partnerId) });
    if (inactive) return { outcome: 'quarantined', how: inactive };
    const requesterEmail = await mailStore.requesterEmailOf(tx, target.ticketId);
    const outsider = outsideSenderReason({ sender: mail.from, requesterEmail, senderPartnerId, ticketPartnerId: target.partnerId, how });
    if (outsider) return { outcome: 'quarantined', how: outsider };
    const standing = await inboundStore.standingOf(tx, target.ticketId);
    const followsUp = standing && followUpOf(standing, now);
    if (followsUp) return { outcome: 'threaded', ...target, how: `${how}; ${followUpReason(followsUp)}`, followUpOf: followsUp };
    return { outcome: 'threaded', ...target, how };
  }
  if (senderPartnerId) {
    const inactive = inactivePartnerReason({ whose: `sender domain ${domain}`, partnerId: senderPartnerId, active: await partnerDirectoryStore.activeOf(tx, senderPartnerId) });
    if (inactive) return { outcome: 'quarantined', how: inactive };
    const list = mailingListReason(mail);
    if (list) return { outcome: 'quarantined', how: list };
    const overLimit = await senderOverLimit(tx, mail.from, deps.newTicketsPerSenderPerHour, now);
    if (overLimit) return { outcome: 'quarantined', how: overLimit };
    return { outcome: 'new_ticket', partnerId: senderPartnerId, how: `sender domain ${domain} belongs to the partner` };
  }
  return { outcome: 'quarantined', how: reference ? `reference ${reference} names no ticket, and the sender is unknown` : `unknown sender domain ${domain}` };
};

/** Why `sender` may file no more tickets by mail now, if so. */
const senderOverLimit = async (tx: EntityManager, sender: string, limit: number, now: Date): Promise<string | undefined> => {
  const filedInWindow = await inboundStore.newTicketsOfSenderSince(tx, sender, new Date(now.getTime() - NEW_TICKET_WINDOW_MS));
  return newTicketLimitReason({ sender, filedInWindow, limit });
};

/**
 * A new ticket's decision counted again under the sender's lock, in the transaction that records
 * the mail: simultaneous mails of one sender, each decided before any was recorded, cannot all
 * pass the limit.
 */
const recountedUnderLock = async (tx: EntityManager, sender: string, decided: Decision, limit: number, now: Date): Promise<Decision> => {
  await inboundStore.lockSender(tx, sender);
  const overLimit = await senderOverLimit(tx, sender, limit, now);
  return overLimit ? { outcome: 'quarantined', how: overLimit } : decided;
};

/** Removes files stored for a mail that was then not recorded: no file is kept without its record. */
const removeAttachments = async (blobs: BlobStorage, pointers: readonly AttachmentPointer[]): Promise<void> => {
  await Promise.allSettled(pointers.map((p) => blobs.delete(p.storageKey)));
};

const storeAttachments = async (blobs: BlobStorage, inboundId: string, mail: InboundMail): Promise<AttachmentPointer[]> => {
  const puts = await Promise.allSettled(
    mail.attachments.map(async (a, n): Promise<AttachmentPointer> => {
      const stored = await blobs.put(blobKey('inbound-mail', inboundId, String(n + 1)), Buffer.from(a.content), { contentType: a.contentType });
      return { storageKey: stored.key, filename: a.filename, contentType: a.contentType, size: stored.size, sha256: stored.sha256 };
    }),
  );
  const stored = puts.flatMap((put) => (put.status === 'fulfilled' ? [put.value] : []));
  const failed = puts.find((put): put is PromiseRejectedResult => put.status === 'rejected');
  if (failed) {
    await removeAttachments(blobs, stored);
    throw new Error('storing the attachments of an inbound mail failed', { cause: failed.reason });
  }
  return stored;
};

/** A mail received before is answered as it was the first time (P11: a follow-up's stays one), marked duplicate. */
const duplicateReceipt = (previous: InboundRow): InboundReceipt => receiptOf({ ...previous, inboundId: previous.id, duplicate: true });

export const receiveInboundMail = async (deps: ReceiveInboundDeps, raw: Buffer): Promise<Result<InboundReceipt, Failure>> => {
  const parsed = await parseInboundMail(raw);
  if (!parsed.ok) return err({ kind: 'unprocessable', detail: `Not a readable RFC 5322 message: ${parsed.failure.detail}` });
  const mail = parsed.mail;
  const previous = await deps.unitOfWork.run((tx) => inboundStore.byMessageId(tx, mail.messageId));
  if (previous) return ok(duplicateReceipt(previous));

  const inboundId = randomUUID();
  const receivedAt = deps.clock.now();
  const decided = await deps.unitOfWork.run((tx) => decide(tx, mail, deps, receivedAt));
  // Bytes go to blob storage before the transaction that publishes their pointers (DESIGN "Blobs").
  const attachments = decided.outcome === 'threaded' || decided.outcome === 'new_ticket' ? await storeAttachments(deps.blobs, inboundId, mail) : [];
  // A mail that opens a ticket (or may, once released from the quarantine) is filed whole; a reply
  // threaded onto one loses the quoted history of our mail; forwards are content (ADR 0035, addendum of 2026-12-05).
  const text = filedText(mail, decided.outcome === 'threaded');
  // P9: what is kept (here, and in the event's record) holds no access particulars; those of a
  // forwarded mail travel to intake's vault only in transit (docs/adr/0070).
  const kept = { subject: withoutAccessParticulars(mail.subject), text: withoutAccessParticulars(text) };
  const heldParticulars = kept.subject !== mail.subject || kept.text !== text;
  // P9: a name that reads as access particulars is neither kept nor passed on (nothing unmasked in an event).
  const fromName = mail.fromName && withoutAccessParticulars(mail.fromName) === mail.fromName ? mail.fromName : undefined;

  // The files are kept only with the record that points at them: a mail whose record is not
  // written (a failure, or another delivery of it that won) leaves none (ADR 0035, addendum of 2026-12-04, second session).
  let keptFiles = false;
  try {
    const receipt = await deps.unitOfWork.run(async (tx) => {
      const decision = decided.outcome === 'new_ticket' ? await recountedUnderLock(tx, mail.from, decided, deps.newTicketsPerSenderPerHour, receivedAt) : decided;
      const forwarded = decision.outcome === 'threaded' || decision.outcome === 'new_ticket';
      const inserted = await inboundStore.insert(tx, {
        id: inboundId,
        messageId: mail.messageId,
        outcome: decision.outcome,
        reason: decision.how,
        ticketId: decision.outcome === 'threaded' ? decision.ticketId : null,
        followUpOf: decision.outcome === 'threaded' ? (decision.followUpOf ?? null) : null,
        partnerId: forwarded ? decision.partnerId : null,
        sender: mail.from,
        senderName: fromName ?? null,
        subject: kept.subject,
        textBody: kept.text,
        // A quarantined or ignored mail's files are not kept: unknown senders' bytes stay out of storage.
        attachments: forwarded ? attachments : [],
        receivedAt,
      });
      if (!inserted) {
        // The same mail raced in twice; the other delivery recorded (and published) it.
        const winner = await inboundStore.byMessageId(tx, mail.messageId);
        return ok(winner ? duplicateReceipt(winner) : { inboundId, outcome: decision.outcome, duplicate: true });
      }
      if (forwarded) {
        await forwardToIntake(tx, deps.outbox, { partnerId: decision.partnerId, ...(decision.outcome === 'threaded' ? { ticketId: decision.ticketId } : {}) }, {
          inboundId,
          messageId: mail.messageId,
          from: mail.from,
          ...(fromName ? { fromName } : {}),
          subject: kept.subject,
          text: kept.text,
          ...(heldParticulars ? { inTransit: { subject: mail.subject, text } } : {}),
          attachments,
          receivedAt,
          language: mailLanguage(mail.subject, text),
          // P2: whether it has words of its own, whether it threads or files a ticket (docs/adr/0035, sixth session).
          ownText: hasOwnText(mail),
        });
      }
      deps.logger.info({ inboundId, outcome: decision.outcome, reason: decision.how }, 'inbound mail received');
      return ok(
        receiptOf({
          inboundId,
          outcome: decision.outcome,
          duplicate: false,
          ...(decision.outcome === 'threaded' ? { ticketId: decision.ticketId, followUpOf: decision.followUpOf } : {}),
          reason: decision.how,
        }),
      );
    });
    keptFiles = receipt.ok && !receipt.value.duplicate && receipt.value.outcome !== 'quarantined' && receipt.value.outcome !== 'ignored';
    return receipt;
  } finally {
    if (!keptFiles) await removeAttachments(deps.blobs, attachments);
  }
};
