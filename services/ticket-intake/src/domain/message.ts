import type { Channel } from '@tss/contracts';

export interface MessageAuthor {
  kind: 'requester' | 'agent' | 'system' | 'email_sender' | 'staff';
  id?: string;
  name?: string;
  onBehalfOf?: { kind: 'requester'; id: string };
}

/** Whose words move the ticket as the requester's: the requester's own, or a staff member's through a site link they minted, in the requester's name. */
export type RequestersWordsAuthor = { kind: 'requester'; id: string } | { kind: 'staff'; id: string; onBehalfOf: { kind: 'requester'; id: string } };

/** Words that move the ticket as the requester's: theirs, or a staff member's through a link, in their name. */
export const inRequestersName = (author: MessageAuthor): boolean => author.kind === 'requester' || author.onBehalfOf?.kind === 'requester';

/**
 * A message of someone's words with a line of ours after them, as the thread shows it: their words,
 * then ours in parentheses; ours alone when they wrote none. Only their words describe a request (P2).
 */
export const withOurLine = (words: string, ourLine: string): string => (words.trim() ? `${words}\n\n(${ourLine})` : ourLine);

/** One entry of a ticket's thread (P8). Internal notes are for staff only. */
export interface Message {
  id: string;
  ticketId: string;
  partnerId: string;
  /**
   * `email_sender`: mail threaded onto the ticket from an address other than the requester's
   * (mail-author.ts); `name` is that address, and there is no id. `staff`: a staff member writing
   * through a support-site link they minted (`id` theirs), in the requester's name (`onBehalfOf`):
   * the words move the ticket as the requester's, but are shown as whose they are (docs/adr/0037).
   */
  author: MessageAuthor;
  visibility: 'public' | 'internal';
  channel: Channel;
  body: string;
  attachmentIds: string[];
  /** The e-mail Message-ID it arrived with or was sent as: replies thread by it (P8). */
  emailMessageId?: string;
  createdAt: Date;
}
