import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EntityManager } from 'typeorm';
import { sendFailure, type AccessRule, type Failure, type RequestScope } from '@tss/service-kit';
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

/**
 * DESIGN "Tenancy": a foreign partner's id answers 404 on every route, the admin-only writes of an
 * agreement included. A route-level `preParsing` hook runs after authentication identified the
 * caller and before its access rule's refusal (service-kit's own `preParsing`), so a partner's
 * token naming another partner gets the 404 its GET would, and naming its own partner the 403 of
 * a change only admins make.
 */
export const foreignPartnerIsNotFound = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
  const principal = request.principal;
  const { id } = request.params as { id?: string };
  if (principal?.kind === 'partner' && principal.partnerId !== id) return sendFailure(reply, NO_SUCH_PARTNER);
  return undefined;
};
