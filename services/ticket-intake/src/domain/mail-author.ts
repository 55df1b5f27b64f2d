import type { Actor } from './actor';

/**
 * Who wrote a mail threaded onto a ticket (P8). Mail threads by a reference or a Message-ID
 * whoever sends it (docs/adr/0035), so the sender's address is all that says who wrote it: the
 * requester when it is their address (mail addresses compare without case, as every provider
 * treats them), else another sender, named by address and never by the requester's id.
 */
export type MailAuthor = { kind: 'requester'; id: string; name: string } | { kind: 'email_sender'; name: string };

export const isRequesterAddress = (requesterEmail: string | undefined, from: string): boolean =>
  requesterEmail !== undefined && requesterEmail.trim().toLowerCase() === from.trim().toLowerCase();

export const mailAuthor = (requester: { id?: string | null; email?: string } | undefined, from: string): MailAuthor =>
  isRequesterAddress(requester?.email, from) ? { kind: 'requester', id: requester?.id ?? from, name: from } : { kind: 'email_sender', name: from };

/** Who the history names for a threaded mail: the requester (by the address they wrote from), or the other sender. */
export const mailActor = (author: MailAuthor, from: string): Actor =>
  author.kind === 'requester' ? { kind: 'requester', id: from } : { kind: 'email_sender', id: from };

/**
 * Who uploaded a mailed attachment: named as the mail's author is on its message, so a client can
 * match a file to the message that brought it: the requester by their id (`mail:<address>` for one
 * known only by address), another sender by their address (docs/adr/0035, addendum of 2026-12-04, sixth session).
 */
export const mailUploader = (author: MailAuthor, from: string): Actor =>
  author.kind === 'requester' ? { kind: 'requester', id: author.id } : { kind: 'email_sender', id: from };
