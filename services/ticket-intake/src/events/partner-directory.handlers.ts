import { PartnerCreatedV1, PartnerUpdatedV1, type EventData } from '@tss/contracts';
import { on, type HandlerBinding, type HandlerContext } from '@tss/messaging';
import { partnerStore } from '../store/partner.store';

const keep = (partner: EventData<typeof PartnerCreatedV1>, ctx: HandlerContext) =>
  partnerStore.keep(ctx.tx, { partnerId: partner.partnerId, active: partner.active, changedAt: new Date(partner.changedAt) });

/** The partners staff may file for (P12), from the gateway's `partner.*`. */
export const partnerDirectoryHandlers = (): HandlerBinding[] => [on(PartnerCreatedV1, (event, ctx) => keep(event.data, ctx)), on(PartnerUpdatedV1, (event, ctx) => keep(event.data, ctx))];
