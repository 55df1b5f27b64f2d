import type { EntityManager } from 'typeorm';
import { partnerRefusalDetail, unknownPartnerDetail, type Failure } from '@tss/service-kit';
import { partnerDirectoryStore } from '../store/partner-directory.store';

/** Where the request names the partner: the path of the agreement routes, or the preview's body. */
export type PartnerNamedIn = { in: 'params'; pointer: '/id' } | { in: 'body'; pointer: '/partnerId' };

const refusedPartnerFailure = (detail: string, where: PartnerNamedIn): Failure => ({ kind: 'unprocessable', detail, extensions: { errors: [{ ...where, message: detail }] } });

/**
 * An agreement is stored only for a partner the gateway registered and has not deactivated (its
 * `partner.*` events, as notification and intake check the partner an admin names); else a 422.
 * A partner registered a moment ago is known once its event arrives (docs/adr/0031, addendum of
 * 2026-12-04, fourth session).
 */
export const inactivePartner = async (tx: EntityManager, partnerId: string, where: PartnerNamedIn): Promise<Failure | undefined> => {
  const detail = partnerRefusalDetail(partnerId, await partnerDirectoryStore.activeOf(tx, partnerId));
  return detail === undefined ? undefined : refusedPartnerFailure(detail, where);
};

/** Reading a partner's terms needs only that the gateway registered it (a deactivated partner's terms stay readable). */
export const unknownPartner = async (tx: EntityManager, partnerId: string, where: PartnerNamedIn): Promise<Failure | undefined> =>
  (await partnerDirectoryStore.activeOf(tx, partnerId)) !== undefined ? undefined : refusedPartnerFailure(unknownPartnerDetail(partnerId), where);
