import { PartnerCreatedV1, PartnerUpdatedV1, type EventData } from '@tss/contracts';
import { on, type HandlerBinding } from '@tss/messaging';
import type { EntityManager } from 'typeorm';
import { partnerDirectoryStore } from '../store/partner-directory.store';

const keep = (tx: EntityManager, data: EventData<typeof PartnerCreatedV1>) =>
  partnerDirectoryStore.keep(tx, { partnerId: data.partnerId, active: data.active, changedAt: new Date(data.changedAt) });

/** DESIGN "Who owns what": partners belong to the gateway; notification keeps which exist, for the partner an admin names. */
export const partnerDirectoryHandlers = (): HandlerBinding[] => [
  on(PartnerCreatedV1, async (event, { tx }) => keep(tx, event.data)),
  on(PartnerUpdatedV1, async (event, { tx }) => keep(tx, event.data)),
];
