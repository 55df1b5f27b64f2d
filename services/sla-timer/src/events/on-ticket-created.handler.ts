import { randomUUID } from 'node:crypto';
import { SlaClockStartedV1, TicketCreatedV1 } from '@tss/contracts';
import { on } from '@tss/messaging';
import { startClock } from '../domain/response-clock';
import { responseClockStore } from '../store/response-clock.store';

/** P5: a new ticket owes a first response; its clock starts when the request was received. */
export const onTicketCreated = on(TicketCreatedV1, async (event, { tx, outbox, now }) => {
  const clock = startClock(event.data.level, new Date(event.data.receivedAt));
  const clockId = randomUUID();
  await responseClockStore.insert(tx, {
    id: clockId,
    ticketId: event.subject,
    partnerId: event.data.partnerId,
    requesterId: event.data.requester.id ?? null,
    level: clock.level,
    status: 'running',
    startedAt: clock.startedAt,
    dueAt: clock.dueAt,
    createdAt: now,
  });
  await outbox.add(tx, SlaClockStartedV1, event.subject, {
    partnerId: event.data.partnerId,
    clockId,
    level: clock.level,
    startedAt: clock.startedAt.toISOString(),
    dueAt: clock.dueAt.toISOString(),
  });
});
