import type { EntityManager } from 'typeorm';
import { partnerRefusalDetail, type Failure } from '@tss/service-kit';
import { partnerDirectoryStore } from '../store/partner-directory.store';

/**
 * A partner an admin names must be one the gateway registered and has not deactivated (its
 * `partner.*` events, as intake checks a staff filing: docs/adr/0029, addendum of 2026-12-04);
 * else a 422 naming `/partnerId`. A partner registered a moment ago is known once its event arrives;
 * the detail says how to announce one again whose event notification never handled, or, for a
 * deactivated one, how to reactivate it.
 */
export const unknownPartner = async (tx: EntityManager, partnerId: string): Promise<Failure | undefined> => {
  const detail = partnerRefusalDetail(partnerId, await partnerDirectoryStore.activeOf(tx, partnerId));
  if (detail === undefined) return undefined;
  return { kind: 'unprocessable', detail, extensions: { errors: [{ in: 'body', pointer: '/partnerId', message: detail }] } };
};
