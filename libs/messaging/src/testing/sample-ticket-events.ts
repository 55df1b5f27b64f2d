import { randomUUID } from 'node:crypto';
import type { CloudEvent, EventData, TicketAcceptedV1, TicketCreatedV1 } from '@tss/contracts';

/** `ticket.created` data as intake writes it, for tests of the pipeline (a partner of its own unless given). */
export const sampleTicketCreated = (sequence: number, overrides: Partial<EventData<typeof TicketCreatedV1>> = {}): EventData<typeof TicketCreatedV1> => ({
  partnerId: randomUUID(),
  sequence,
  reference: 'TSS-01234-56789',
  channel: 'api',
  product: 'reader',
  productVersion: '1.0',
  level: 'standard',
  subject: 'test',
  requester: {},
  missingDetails: [],
  receivedAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

/** `ticket.accepted` data, for tests of the pipeline. */
export const sampleTicketAccepted = (sequence: number, overrides: Partial<EventData<typeof TicketAcceptedV1>> = {}): EventData<typeof TicketAcceptedV1> => ({
  partnerId: randomUUID(),
  sequence,
  acceptedAt: '2026-01-01T00:00:00.000Z',
  via: 'api',
  ...overrides,
});

/** A `ticket.created` event as intake's relay publishes it, for handlers called directly (`handleInTransaction`). */
export const ticketCreatedEvent = (ticketId: string, data: EventData<typeof TicketCreatedV1>, time: string): CloudEvent<EventData<typeof TicketCreatedV1>> => ({
  specversion: '1.0',
  id: randomUUID(),
  source: 'tss/ticket-intake',
  type: 'ticket.created',
  time,
  subject: ticketId,
  datacontenttype: 'application/json',
  dataschema: 'urn:tss:event:ticket.created:v1',
  data,
});
