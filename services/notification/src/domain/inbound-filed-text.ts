import { withForwarded } from './inbound-forwarded';
import type { InboundMail } from './inbound-mail';
import { hasOwnWords, stripQuotedReply } from './inbound-reply-text';

/**
 * P8: what of an inbound mail reaches a ticket. A mail that opens a ticket is filed whole, as is
 * one kept in the quarantine (an agent may release it as a new ticket): its sender wrote all of it
 * for us, forwards, quotes and signature included. A reply threaded onto a ticket loses the quoted
 * history of the mail of ours it answers, and its signature; a forward in it is kept whole. The
 * mails forwarded as files follow, whole too (docs/adr/0035, addendum of 2026-12-05, first session).
 */
export const filedText = (mail: Pick<InboundMail, 'text' | 'subject' | 'forwarded'>, threaded: boolean): string => {
  const own = threaded ? stripQuotedReply(mail.text, mail.subject) : mail.text;
  // A reply that was all history keeps it rather than reach the ticket empty (`hasOwnText` says it has no words).
  return withForwarded(own, mail.forwarded) || mail.text;
};

/**
 * P2: whether a mail has words of its own: its text without the quote header, quoted lines and
 * signature, or a mail it forwards. A reply with none is threaded all the same (`filedText`), and a
 * new mail with none filed whole, but neither describes a request: its description is empty, never
 * words nobody wrote (docs/adr/0035, addenda of 2026-12-05, fifth and sixth sessions).
 */
export const hasOwnText = (mail: Pick<InboundMail, 'text' | 'subject' | 'forwarded'>): boolean => hasOwnWords(mail.text, mail.subject) || mail.forwarded.length > 0;
