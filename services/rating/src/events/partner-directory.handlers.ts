import { PartnerCreatedV1, PartnerUpdatedV1, type EventData } from '@tss/contracts';
import { on, type HandlerBinding, type HandlerContext } from '@tss/messaging';
import { partnerDirectoryStore } from '../store/partner-directory.store';

const keep = (partner: EventData<typeof PartnerCreatedV1>, ctx: HandlerContext) =>
  partnerDirectoryStore.keep(ctx.tx, { partnerId: partner.partnerId, active: partner.active, changedAt: new Date(partner.changedAt) });

/**
 * DESIGN "Who owns what": partners belong to the gateway; rating keeps whether each is active, so a
 * deactivated partner's rating links are refused as its other requester credentials are
 * (docs/adr/0040, addendum of 2026-12-04, sixth session).
 */
export const partnerDirectoryHandlers = (): HandlerBinding[] => [on(PartnerCreatedV1, (event, ctx) => keep(event.data, ctx)), on(PartnerUpdatedV1, (event, ctx) => keep(event.data, ctx))];
