import { TicketCreatedV1 } from '@tss/contracts';
import { on } from '@tss/messaging';
import { acknowledge, acknowledgmentText } from '../domain/acknowledgment';
import { acknowledgmentStore } from '../store/acknowledgment.store';

/** P3: every accepted request gets an acknowledgment carrying its reference number. */
export const onTicketCreated = on(TicketCreatedV1, async (event, { tx, now }) => {
  const ack = acknowledge({
    ticketId: event.subject,
    partnerId: event.data.partnerId,
    reference: event.data.reference,
    channel: event.data.channel,
    recipient: event.data.requester.email,
    missingDetails: event.data.missingDetails,
  });
  await acknowledgmentStore.insert(tx, {
    ticketId: ack.ticketId,
    partnerId: ack.partnerId,
    reference: ack.reference,
    channel: ack.channel,
    recipient: ack.recipient ?? null,
    delivery: ack.delivery,
    body: acknowledgmentText(ack),
    recordedAt: now,
  });
});
