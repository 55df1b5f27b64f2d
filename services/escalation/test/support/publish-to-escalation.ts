import { randomUUID } from 'node:crypto';
import type { EventContract, EventData } from '@tss/contracts';
import { Outbox } from '@tss/messaging';
import type { ServiceUnderTest } from '@tss/runtime/testing';
import type { Clock } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';

/**
 * Publishes an event as its owner does, written to escalation's outbox: its relay hands it to
 * escalation's consumer. Resolves once escalation has handled it (its inbox holds the id).
 */
export const publisherToEscalation =
  (sut: () => ServiceUnderTest, clock: Clock) =>
  async <C extends EventContract>(contract: C, subject: string, data: EventData<C>): Promise<void> => {
    const id = randomUUID();
    const producer = new Outbox({ service: contract.owner, schema: 'escalation', clock });
    await sut().host.unitOfWork.run((tx) => producer.add(tx, contract, subject, data, { id }));
    await waitFor(`escalation handled ${contract.type} ${id}`, async () => (await sut().query(`SELECT 1 FROM escalation.inbox WHERE event_id = $1`, [id])).length === 1);
  };
