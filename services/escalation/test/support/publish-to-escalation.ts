import { randomUUID } from 'node:crypto';
import type { EventContract, EventData, TicketCreatedV1 } from '@tss/contracts';
import { Outbox } from '@tss/messaging';
import type { ServiceUnderTest } from '@tss/runtime/testing';
import type { Clock } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';

/**
 * Publishes an event as its owner does, written to escalation's outbox: its relay hands it to
 * escalation's consumer. Resolves, with the event's id, once escalation has handled it (its inbox holds the id).
 */
export const publisherToEscalation =
  (sut: () => ServiceUnderTest, clock: Clock) =>
  async <C extends EventContract>(contract: C, subject: string, data: EventData<C>): Promise<string> => {
    const id = randomUUID();
    const producer = new Outbox({ service: contract.owner, schema: 'escalation', clock });
    await sut().host.unitOfWork.run((tx) => producer.add(tx, contract, subject, data, { id }));
    await waitFor(`escalation handled ${contract.type} ${id}`, async () => (await sut().query(`SELECT 1 FROM escalation.inbox WHERE event_id = $1`, [id])).length === 1);
    return id;
  };

/** A standard ticket's `ticket.created` as intake publishes it, received now; `overrides` change what a test is about. */
export const ticketCreatedData = (
  partnerId: string,
  clock: Clock,
  overrides: Partial<EventData<typeof TicketCreatedV1>> = {},
): EventData<typeof TicketCreatedV1> => ({
  partnerId,
  sequence: 1,
  reference: 'TSS-01234-56789',
  channel: 'api',
  product: 'reader',
  level: 'standard',
  subject: 'EPUB import fails',
  requester: { id: 'cust-1' },
  missingDetails: [],
  receivedAt: clock.now().toISOString(),
  ...overrides,
});
