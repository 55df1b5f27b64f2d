import type { BatchFlush, HandlerContext } from '@tss/messaging';
import { ratingTicketStore, type NewRatingTicket, type RatingTicket } from '../store/rating-ticket.store';

/**
 * The ticket rows a consumer batch's `ticket.created` events defer to its end, in one statement
 * (docs/adr/0049). What reads a ticket row in the batch goes through `lockTicket`, which writes
 * them first (the read-through).
 */
export const insertTickets: BatchFlush<NewRatingTicket> = (tickets, { tx }) => ratingTicketStore.insertAll(tx, tickets);

/** The ticket of a later event of `partnerId`, row-locked, after the batch's new rows are written; undefined when not known here (yet). */
export const lockTicket = async (ctx: HandlerContext, ticketId: string, partnerId: string): Promise<RatingTicket | undefined> => {
  await ctx.batch.writeNow(insertTickets);
  return ratingTicketStore.lock(ctx.tx, ticketId, partnerId);
};
