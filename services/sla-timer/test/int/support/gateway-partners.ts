import { randomUUID } from 'node:crypto';
import { PartnerCreatedV1, type EventContract, type EventData, type PartnerUpdatedV1 } from '@tss/contracts';
import { Outbox } from '@tss/messaging';
import type { ServiceUnderTest } from '@tss/runtime/testing';
import type { Clock } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';

/**
 * The gateway's `partner.*` as sla-timer receives them: written into sla-timer's outbox as the
 * gateway would publish them (the in-process transport hands them to sla-timer's consumer).
 */
export const gatewayPartners = (sut: ServiceUnderTest, clock: Clock) => {
  const publish = async <E extends EventContract>(contract: E, subject: string, data: EventData<E>): Promise<string> => {
    const producer = new Outbox({ service: contract.owner, schema: 'sla_timer', clock });
    return (await sut.host.unitOfWork.run((tx) => producer.add(tx, contract, subject, data))).id;
  };
  /** Resolves once sla-timer handled the event (its inbox row). */
  const handled = async (eventId: string): Promise<void> => {
    await waitFor(`sla-timer handled event ${eventId}`, async () => (await sut.query(`SELECT 1 FROM sla_timer.inbox WHERE event_id = $1`, [eventId])).length > 0);
  };
  return {
    publish,
    handled,
    /** The gateway's event about a partner, handled by sla-timer before this resolves. */
    announce: async (contract: typeof PartnerCreatedV1 | typeof PartnerUpdatedV1, partnerId: string, active: boolean, changedAt: Date) =>
      handled(await publish(contract, partnerId, { partnerId, name: 'Acme', active, changedAt: changedAt.toISOString() })),
    /** A partner the gateway registered just now, known to sla-timer once this resolves. */
    registered: async (partnerId: string = randomUUID()): Promise<string> => {
      await handled(await publish(PartnerCreatedV1, partnerId, { partnerId, name: 'Acme', active: true, changedAt: clock.now().toISOString() }));
      return partnerId;
    },
  };
};
