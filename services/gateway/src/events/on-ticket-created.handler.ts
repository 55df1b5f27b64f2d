import { TicketCreatedV1 } from '@tss/contracts';
import { on, type HandlerBinding } from '@tss/messaging';
import { siteTicketStore } from '../store/site-ticket.store';

/**
 * The support site's projection of tickets (DESIGN "Projections"): which partner owns a ticket and
 * who its requester is, so a partner or staff member can mint a link for that requester.
 */
export const onTicketCreated: HandlerBinding = on(TicketCreatedV1, async (event, { tx }) => {
  const d = event.data;
  await siteTicketStore.insert(
    tx,
    { ticketId: event.subject, partnerId: d.partnerId, reference: d.reference, requester: d.requester.id ?? null, language: d.language ?? null },
    new Date(event.time),
  );
});
