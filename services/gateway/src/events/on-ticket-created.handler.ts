import { TicketCreatedV1 } from '@tss/contracts';
import { on, type BatchFlush, type HandlerBinding } from '@tss/messaging';
import { siteTicketStore, type SiteTicket } from '../store/site-ticket.store';

/** A batch's new site tickets in one statement at its end: no handler of this consumer reads them (docs/adr/0049). */
const writeSiteTickets: BatchFlush<SiteTicket & { createdAt: Date }> = (tickets, { tx }) => siteTicketStore.insertAll(tx, tickets);

/**
 * The support site's projection of tickets (DESIGN "Projections"): which partner owns a ticket and
 * who its requester is, so a partner or staff member can mint a link for that requester.
 */
export const onTicketCreated: HandlerBinding = on(TicketCreatedV1, async (event, { batch }) => {
  const d = event.data;
  batch.defer(writeSiteTickets, {
    ticketId: event.subject,
    partnerId: d.partnerId,
    reference: d.reference,
    requester: d.requester.id ?? null,
    language: d.language ?? null,
    createdAt: new Date(event.time),
  });
});
