import { cutText, toStorableText } from '@tss/contracts';
import type { ForwardedMessage } from './inbound-forwarded';

/** An inbound mail as notification decides on it (issue #11 "E-mail in", P8): parsed, no MIME left. */
export interface InboundMail {
  /** RFC 5322 Message-ID with its angle brackets; derived from the bytes when the mail had none. */
  messageId: string;
  /** The sender's address, lower-cased. */
  from: string;
  /** The From display name, one line, at most 200 characters (`displayNameOf`); absent when blank. */
  fromName?: string;
  subject: string;
  /** The body as text (converted from HTML for HTML-only mail), whole: what a ticket gets of it is `filedText`'s to say. */
  text: string;
  /** The mails it carries as `message/rfc822` files, unfolded (their files are among `attachments`). */
  forwarded: readonly ForwardedMessage[];
  inReplyTo?: string;
  references: readonly string[];
  /** Header names lower-cased, values as written (the first of repeated headers). */
  headers: ReadonlyMap<string, string>;
  /** Its files, and those of the mails it forwards as files. */
  attachments: readonly InboundAttachment[];
}

/**
 * The Message-ID notification gives a mail that came without one: derived from its bytes (a SHA-256
 * in hex), so a second delivery is still recognised. It is our dedup key, never the requester's:
 * RFC 5322 §3.6.4, a reply to a mail without a Message-ID has no In-Reply-To nor References.
 */
export const standInMessageId = (sha256Hex: string): string => `<sha256.${sha256Hex}@inbound.tss>`;
const STAND_IN_MESSAGE_ID = /^<sha256\.[0-9a-f]{64}@inbound\.tss>$/;
export const isStandInMessageId = (messageId: string): boolean => STAND_IN_MESSAGE_ID.test(messageId);

export interface InboundAttachment {
  filename: string;
  contentType: string;
  content: Uint8Array;
}

/**
 * Why a mail was sent by a machine, or undefined for a person's mail. Auto-replies and bounces
 * never open tickets or get answers (mail loops): RFC 3834 Auto-Submitted, the X-Autoreply family,
 * Precedence bulk/junk/auto_reply (`list` is a mailing list's: `mailingListReason`), an empty Return-Path (RFC 5321 §4.5.5, the null sender
 * of bounces) and delivery-status reports (RFC 3464). Mail from our own sending address
 * (`ownAddresses`, MAIL_FROM) is ours coming back, whatever its headers: a forwarding rule or a
 * mailbox that copies its outgoing mail to the inbound route would otherwise thread our mail onto
 * the ticket as another sender's and answer it (docs/mail.md).
 */
export const automatedReason = (mail: Pick<InboundMail, 'headers' | 'from'>, ownAddresses: readonly string[] = []): string | undefined => {
  if (ownAddresses.includes(mail.from.toLowerCase())) return `sent from our own address ${mail.from} (a mail loop)`;
  const h = (name: string) => mail.headers.get(name)?.trim();
  const autoSubmitted = h('auto-submitted')?.toLowerCase();
  if (autoSubmitted && autoSubmitted !== 'no') return `Auto-Submitted: ${autoSubmitted}`;
  for (const name of ['x-autoreply', 'x-autorespond', 'x-autoresponder', 'x-auto-response-suppress']) {
    const value = h(name);
    if (value && !(name === 'x-auto-response-suppress' && /^none$/i.test(value))) return `${name}: ${value}`;
  }
  const precedence = h('precedence')?.toLowerCase();
  // `list` is a mailing list's mark (GNU Mailman sets it beside List-Id): a person's words, told apart below.
  if (precedence && ['bulk', 'junk', 'auto_reply'].includes(precedence)) return `Precedence: ${precedence}`;
  const returnPath = h('return-path');
  if (returnPath !== undefined && /^<\s*>$/.test(returnPath)) return 'empty Return-Path (a bounce)';
  const contentType = h('content-type')?.toLowerCase() ?? '';
  if (contentType.startsWith('multipart/report') && /report-type="?(delivery-status|disposition-notification)/.test(contentType)) return 'delivery or disposition report';
  if (/^(mailer-daemon|postmaster)@/i.test(mail.from)) return `sent by ${mail.from}`;
  return undefined;
};

/**
 * Mail a mailing list carried (RFC 2919 `List-Id`, or `Precedence: list`, which GNU Mailman sets
 * beside it) that would open a ticket: a post to a list that
 * has the support address among its members, or a digest. It is a person's mail, so not ignored as
 * an auto-reply is, but the sender may not have written to support at all, and an acknowledgment
 * (P3) would answer a list post automatically, which RFC 3834 §2 lets a responder decline. It waits
 * in the quarantine for an agent, who releases it as a ticket (docs/adr/0067) or leaves it. A reply
 * that names a ticket is threaded as any other: it is part of that ticket's conversation.
 */
export const mailingListReason = (mail: Pick<InboundMail, 'headers'>): string | undefined => {
  const listId = mail.headers.get('list-id')?.trim();
  const precedence = mail.headers.get('precedence')?.trim().toLowerCase();
  if (!listId && precedence !== 'list') return undefined;
  const mark = listId ? `List-Id: ${listId.length > 200 ? `${cutText(toStorableText(listId), 200)}…` : toStorableText(listId)}` : 'Precedence: list';
  return `mailing-list mail (${mark}): a new ticket from a list waits for an agent to release it`;
};

/** The domain of an address, lower-cased. */
export const senderDomain = (address: string): string => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/**
 * Tenancy: why a mail naming a ticket (`how`) may not reach it, or undefined when it may. Anyone
 * who knows a ticket's reference may comment on it (docs/adr/0035), but a sender whose domain an
 * admin gave to another partner is that partner's: threading their mail (or, on a closed ticket,
 * filing a follow-up with them as requester) would put one partner's people in another's tickets.
 */
export const otherPartnersSenderReason = (args: { domain: string; senderPartnerId: string | undefined; ticketPartnerId: string; how: string }): string | undefined =>
  args.senderPartnerId !== undefined && args.senderPartnerId !== args.ticketPartnerId
    ? `sender domain ${args.domain} belongs to another partner than the ticket named by ${args.how}`
    : undefined;

/**
 * Why a mail naming a ticket (`how`) is not published on its public thread, or undefined when it
 * may be: its sender is neither the ticket's requester (`requesterEmail`, when notification knows
 * it) nor of a mail domain an admin gave to the ticket's partner (a colleague, docs/mail.md).
 * Reference numbers are in every mail's subject, no secret: anyone who has seen one could
 * otherwise post on the requester's thread, links clickable on the support site (a phishing
 * "re-enter your password"). Such mail is quarantined; an agent releases it onto the ticket when
 * it is genuine (docs/adr/0035, addendum of the sixth session).
 */
export const outsideSenderReason = (args: { sender: string; requesterEmail: string | undefined; senderPartnerId: string | undefined; ticketPartnerId: string; how: string }): string | undefined =>
  args.sender.toLowerCase() === args.requesterEmail?.toLowerCase() || args.senderPartnerId === args.ticketPartnerId
    ? undefined
    : `${args.sender} is neither the ticket’s requester nor of a mail domain of its partner: mail naming a ticket (by ${args.how}) from anyone else is not put on its public thread; release it onto the ticket if it belongs there`;

/**
 * Why a reply to our staff mail (an escalation notice, a disabled-endpoint mail) may not reach a
 * ticket. Such mail names the ticket's reference in its subject like all our mail, so a reply would
 * otherwise thread by that reference, and staff's words for each other (a team leader's "do not
 * tell the customer") would land on the requester's public thread. Its In-Reply-To/References
 * tell what it answers, whatever the subject says.
 */
export const staffMailReplyReason = (named: { messageId: string; kind: string }): string =>
  `In-Reply-To/References name ${named.messageId}, our ${named.kind} mail to staff: a reply to staff mail is never threaded onto a ticket`;

/**
 * Why mail from a staff address (the staff directory's, or ESCALATION_NOTICE_FALLBACK_EMAIL) may
 * not reach the ticket it names (`how`). Staff answer requesters through the API, as a public reply
 * or an internal note; a staff member's mail carrying a reference is their reply to a notice whose
 * headers were lost, a forward, or a note to a colleague, and threading it would post it publicly
 * as another sender's.
 */
export const staffSenderReason = (args: { sender: string; how: string }): string =>
  `${args.sender} is a staff address, and staff mail naming a ticket (by ${args.how}) is never threaded onto it: staff answer through the API (a reply, or an internal note)`;

/**
 * Why a mail may not reach a partner (`whose`: the sender's domain, or the ticket the mail names),
 * or undefined when it may. A partner the gateway deactivated takes no more work by mail, as its
 * site form and site links take none: its mail is quarantined for agents, never acknowledged.
 * Only a partner known to be inactive (`active === false`): one notification has no word of
 * (registered before notification kept partners, with nothing to infer it from, or a moment ago,
 * its event still on the way) is taken as before. Notification cannot tell that one from an
 * active partner, and quarantining a live partner's mail loses their people's requests.
 */
export const inactivePartnerReason = (args: { whose: string; partnerId: string; active: boolean | undefined }): string | undefined =>
  args.active === false ? `${args.whose} belongs to partner ${args.partnerId}, which is deactivated: its mail files no ticket and is threaded onto none` : undefined;

/** The window over which tickets filed by one sender's mail are counted (MAIL_INBOUND_NEW_TICKETS_PER_SENDER_PER_HOUR). */
export const NEW_TICKET_WINDOW_MS = 60 * 60_000;

/**
 * Loops with auto-responders that do not mark themselves (no Auto-Submitted, a person's From): each
 * of their mails files a ticket, each ticket's acknowledgment draws another mail. Past `limit`
 * tickets filed by one sender address within the last hour, why the mail files none (it is
 * quarantined, never acknowledged); undefined while there is room.
 */
export const newTicketLimitReason = (args: { sender: string; filedInWindow: number; limit: number }): string | undefined =>
  args.filedInWindow >= args.limit
    ? `${args.sender} filed ${args.filedInWindow} tickets by mail within the last hour, the most one sender may (MAIL_INBOUND_NEW_TICKETS_PER_SENDER_PER_HOUR = ${args.limit}): an auto-responder's loop?`
    : undefined;
