import { TicketClosedV1 } from '@tss/contracts';
import { on, type HandlerBinding } from '@tss/messaging';
import { acknowledgmentStore } from '../store/acknowledgment.store';
import { acknowledgmentBatch } from '../use-cases/acknowledgment-batch';

/**
 * P11: a closed ticket takes no more mail: a reply to it goes to its follow-up. Recorded on the
 * ticket's acknowledgment (every ticket notification knows has one), so the inbound answer says where
 * the mail goes. A closed ticket stays closed: the first closure is kept.
 */
export const onTicketClosed = (): HandlerBinding =>
  on(TicketClosedV1, async (event, { tx, batch }) => {
    // The batch's own acknowledgment of the ticket, if it has one, goes first.
    await acknowledgmentBatch.writeNow(batch);
    await acknowledgmentStore.recordTicketClosed(tx, event.subject, new Date(event.data.closedAt));
  });
