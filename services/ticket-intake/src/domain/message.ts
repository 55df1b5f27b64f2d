import type { Channel } from '@tss/contracts';

/** One entry of a ticket's thread (P8). Internal notes are for staff only. */
export interface Message {
  id: string;
  ticketId: string;
  partnerId: string;
  /**
   * `email_sender`: mail threaded onto the ticket from an address other than the requester's
   * (mail-author.ts); `name` is that address, and there is no id.
   */
  author: { kind: 'requester' | 'agent' | 'system' | 'email_sender'; id?: string; name?: string };
  visibility: 'public' | 'internal';
  channel: Channel;
  body: string;
  attachmentIds: string[];
  /** The e-mail Message-ID it arrived with or was sent as: replies thread by it (P8). */
  emailMessageId?: string;
  createdAt: Date;
}
