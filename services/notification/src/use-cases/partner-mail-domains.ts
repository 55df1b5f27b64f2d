import type { EntityManager } from 'typeorm';
import { err, ok, type Failure, type Result } from '@tss/service-kit';
import { inboundStore } from '../store/inbound.store';
import { unknownPartner } from './known-partner';

export interface PartnerMailDomain {
  domain: string;
  partnerId: string;
  addedAt: Date;
}

/**
 * P8: new mail from the domain opens tickets for the partner. A partner the gateway never
 * registered would own those tickets unseen: acknowledged, on the clock and in the agents' queue,
 * but no partner's to read (docs/adr/0035, addendum of 2026-12-04, third session).
 */
export const giveDomainToPartner = async (tx: EntityManager, args: { domain: string; partnerId: string; by: string; at: Date }): Promise<Result<PartnerMailDomain, Failure>> => {
  const unknown = await unknownPartner(tx, args.partnerId);
  if (unknown) return err(unknown);
  await inboundStore.putDomain(tx, args);
  return ok({ domain: args.domain, partnerId: args.partnerId, addedAt: args.at });
};
