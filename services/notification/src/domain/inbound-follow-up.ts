/** What notification knows of a ticket a mail names: its reference, and whether it still takes mail. */
export interface TicketStanding {
  reference: string;
  /** `ticket.closed`: closed tickets never reopen. */
  closedAt: Date | null;
  /** `ticket.resolved`: until then a reply reopens it; cleared when it is reopened. */
  reopenWindowEndsAt: Date | null;
}

/**
 * P11, as intake decides it (`mailReplyFollowsUp`): a mail to a closed ticket, or to a resolved one
 * past its reopen window, is not threaded onto it but goes to its follow-up (the open one, else a new
 * ticket linked to it). Returns the reference of the ticket it follows up, if so.
 */
export const followUpOf = (ticket: TicketStanding, now: Date): string | undefined =>
  ticket.closedAt !== null || (ticket.reopenWindowEndsAt !== null && now.getTime() >= ticket.reopenWindowEndsAt.getTime()) ? ticket.reference : undefined;

/** Why the mail goes to a follow-up, for the record and the sender's answer. */
export const followUpReason = (reference: string): string => `${reference} no longer takes mail (closed, or past its reopen window): its follow-up takes it`;
