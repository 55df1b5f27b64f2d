import type { EntityManager } from 'typeorm';
import { fileNameWithoutAccessParticulars } from '@tss/service-kit';
import { NotificationEmailReceivedV1, type Language } from '@tss/contracts';
import type { Outbox } from '@tss/messaging';
import type { AttachmentPointer } from '../store/inbound.store';

/** An inbound mail as intake receives it: what notification kept of it (P9: without access particulars). */
export interface ForwardedMail {
  inboundId: string;
  messageId: string;
  from: string;
  /** The From display name: the requester's name on a ticket the mail files. */
  fromName?: string;
  subject: string;
  text: string;
  /** P9: the particulars the kept text lost, for intake's vault only (docs/adr/0070). */
  inTransit?: { subject: string; text: string };
  attachments: readonly AttachmentPointer[];
  receivedAt: Date;
  language: Language;
  /** P2: whether the mail has words of its own (`hasOwnText`), on a mail that threads or files a ticket alike. */
  ownText?: boolean;
}

/**
 * P8: asks intake to thread a mail onto `ticketId`, or to file it for `partnerId`
 * (`notification.email_received`, DESIGN "Who owns what"). The one way mail reaches a ticket: a
 * mail received and one an agent released from the quarantine (docs/adr/0067) alike. Keyed by the
 * ticket when threaded, so the ticket's events stay in order; by the mail when it files one.
 */
export const forwardToIntake = async (tx: EntityManager, outbox: Outbox, target: { partnerId: string; ticketId?: string }, mail: ForwardedMail): Promise<void> => {
  // P9: a file's name with access particulars travels masked; the name as written goes in transit
  // only, for intake to vault (docs/adr/0070, addendum of 2026-12-05).
  const kept = mail.attachments.map((a) => ({ ...a, filename: fileNameWithoutAccessParticulars(a.filename) }));
  const namesMasked = kept.some((a, i) => a.filename !== mail.attachments[i].filename);
  const inTransit =
    mail.inTransit || namesMasked
      ? { subject: mail.inTransit?.subject ?? mail.subject, text: mail.inTransit?.text ?? mail.text, ...(namesMasked ? { attachmentPointers: [...mail.attachments] } : {}) }
      : undefined;
  await outbox.add(tx, NotificationEmailReceivedV1, target.ticketId ?? mail.inboundId, {
    partnerId: target.partnerId,
    ...(target.ticketId ? { ticketId: target.ticketId } : {}),
    messageId: mail.messageId,
    from: mail.from,
    ...(mail.fromName ? { fromName: mail.fromName } : {}),
    subject: mail.subject,
    text: mail.text,
    ...(inTransit ? { inTransit } : {}),
    attachmentPointers: kept,
    receivedAt: mail.receivedAt.toISOString(),
    // The ticket a mail files is in the mail's language, and so is its mail (docs/adr/0035 addendum of 2026-12-04, second session).
    language: mail.language,
    // P2: a mail of nothing but history or a signature is threaded or filed, but describes no request (docs/adr/0035, fifth and sixth sessions).
    ...(mail.ownText !== undefined ? { ownText: mail.ownText } : {}),
  });
};
