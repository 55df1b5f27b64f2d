import { PartnerCreatedV1, PartnerUpdatedV1, type EventData } from '@tss/contracts';
import { on, type HandlerBinding, type HandlerContext } from '@tss/messaging';
import { partnerDirectoryStore } from '../store/partner-directory.store';

const keep = (partner: EventData<typeof PartnerCreatedV1>, ctx: HandlerContext) =>
  partnerDirectoryStore.keep(ctx.tx, { partnerId: partner.partnerId, active: partner.active, changedAt: new Date(partner.changedAt) });

/**
 * DESIGN "Who owns what": partners belong to the gateway; sla-timer keeps which exist (its
 * `partner.*`), so an admin's agreement names one (docs/adr/0031, addendum of 2026-12-04, fourth session).
 */
export const partnerDirectoryHandlers = (): HandlerBinding[] => [on(PartnerCreatedV1, (event, ctx) => keep(event.data, ctx)), on(PartnerUpdatedV1, (event, ctx) => keep(event.data, ctx))];
