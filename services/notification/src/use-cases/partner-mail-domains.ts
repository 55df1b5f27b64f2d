import type { EntityManager } from 'typeorm';
import { err, failedPrecondition, ok, type Failure, type RequestConditions, type Result } from '@tss/service-kit';
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
export const giveDomainToPartner = async (
  tx: EntityManager,
  args: { domain: string; partnerId: string; by: string; at: Date; conditions?: RequestConditions },
): Promise<Result<PartnerMailDomain, Failure>> => {
  // RFC 9110 §13.2.2: the PUT creates or replaces, so `*` asks whether the domain is someone's
  // (`If-None-Match: *` gives it only if nobody has it, `If-Match: *` only if somebody does). A
  // mapping has no ETag: a tag in If-Match never matches. Decided on the locked row.
  const held = (await inboundStore.lockDomain(tx, args.domain)) !== undefined;
  const failed = failedPrecondition(args.conditions ?? {}, held ? { exists: true, etags: [] } : { exists: false });
  if (failed) {
    return err({
      kind: 'precondition_failed',
      detail: failed === 'if-none-match' ? `${args.domain} is already a partner's: If-None-Match: * gives it only to nobody's.` : `If-Match cannot match: ${held ? 'a mail domain has no ETag' : `${args.domain} is nobody's`}. Nothing was changed.`,
    });
  }
  const unknown = await unknownPartner(tx, args.partnerId);
  if (unknown) return err(unknown);
  await inboundStore.putDomain(tx, args);
  return ok({ domain: args.domain, partnerId: args.partnerId, addedAt: args.at });
};
