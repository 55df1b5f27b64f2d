import { randomUUID } from 'node:crypto';
import { dataSchemaUri, type EventContract, type EventData } from '@tss/contracts';
import type { InboundMessage } from '@tss/messaging';
import type { Clock } from '@tss/service-kit';

/** A ticket event as intake's outbox would write it, as sla-timer's consumer receives it. */
export const ticketEventMessage = <C extends EventContract>(clock: Clock, contract: C, ticketId: string, data: EventData<C>, id: string = randomUUID()): InboundMessage => ({
  topic: contract.topic,
  key: ticketId,
  event: {
    specversion: '1.0',
    id,
    source: 'tss/ticket-intake',
    type: contract.type,
    time: clock.now().toISOString(),
    subject: ticketId,
    datacontenttype: 'application/json',
    dataschema: dataSchemaUri(contract.type, contract.version),
    data,
  },
  raw: { value: null, headers: {} },
});
