import type { EntityManager } from 'typeorm';
import type { AccessRule, Failure, RequestScope } from '@tss/service-kit';
import { unknownPartner } from '../use-cases/known-partner';

/** SLA policies are written, and the default's history listed, by admins (docs/adr/0031). */
export const ADMIN: AccessRule = { kinds: ['staff'], roles: ['admin'] };

/** An agreement is read by staff (P12: agents need to know whether phone support is included) and by its own partner. */
export const READ_AGREEMENT: AccessRule = { kinds: ['staff', 'partner'], scopes: ['tickets:read'], roles: ['admin'] };

/** Another partner's id, and one the gateway never registered, look the same (DESIGN "Tenancy"). */
export const NO_SUCH_PARTNER: Failure = { kind: 'not_found', detail: 'No such partner.' };

/**
 * Whether `scope` may read the terms of `partnerId`, or the 404 that refuses it: a partner reads
 * only its own (its token is the gateway's word, so before its `partner.created` arrives too);
 * staff read any partner the gateway registered (docs/adr/0031, addendum of 2026-12-04, fourth session).
 */
export const agreementReadRefused = async (manager: EntityManager, scope: RequestScope, partnerId: string): Promise<Failure | undefined> => {
  if (scope.kind === 'partner') return scope.partnerId === partnerId ? undefined : NO_SUCH_PARTNER;
  if (scope.kind === 'staff') return (await unknownPartner(manager, partnerId, { in: 'params', pointer: '/id' })) ? NO_SUCH_PARTNER : undefined;
  return NO_SUCH_PARTNER;
};
