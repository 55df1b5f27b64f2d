import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { UnitOfWork } from '@tss/messaging';
import { failureResponses, scopeOf, sendFailure, type AccessRule, type Clock, type Failure, type Result, type TargetRefusal } from '@tss/service-kit';
import type { Referral } from '../domain/referral';
import { findReferral, findReferralTicket, listReferrals, recordReferralOutcomeIn, requestReferralIn, type ReferralDeps, type ReferralWritten } from '../use-cases/referrals';
import { CreateReferralBody, ReferralList, ReferralOutcomeBody, ReferralParams, ReferralTicketParams, ReferralView } from './referral.schemas';

/** Agents, team leaders and developers refer (`tickets:write`). */
const REFER: AccessRule = { kinds: ['staff'], scopes: ['tickets:write'] };
/** Staff who read tickets or escalations (the quality department among them). */
const READ: AccessRule = { kinds: ['staff'], scopes: ['tickets:read', 'escalations:read'] };
/** P7: the quality department, or whoever manages escalations. */
const OUTCOME: AccessRule = { kinds: ['staff'], scopes: ['escalations:manage'], roles: ['quality'] };
const TAGS = ['tickets'];

export interface ReferralRouteDeps extends ReferralDeps {
  unitOfWork: UnitOfWork;
  clock: Clock;
}

export const toReferralView = (r: Referral): ReferralView => ({
  id: r.id,
  ticketId: r.ticketId,
  target: r.target,
  reason: r.reason,
  status: r.status,
  requestedBy: r.requestedBy,
  requestedAt: r.requestedAt.toISOString(),
  ...(r.answeredAt ? { answeredAt: r.answeredAt.toISOString() } : {}),
  ...(r.rejectionReason !== undefined ? { rejectionReason: r.rejectionReason } : {}),
  ...(r.outcome ? { outcome: { text: r.outcome.text, recordedBy: r.outcome.recordedBy, recordedAt: r.outcome.recordedAt.toISOString() } } : {}),
});

/** A write's answer: the referral, and `notes` for its author when particulars were withheld from what they wrote (P9). */
const writtenView = (written: ReferralWritten): ReferralView => ({ ...toReferralView(written.referral), ...(written.notes.length > 0 ? { notes: written.notes } : {}) });

const locationOf = (r: Referral) => `/v1/tickets/${r.ticketId}/referrals/${r.id}`;

/** /v1/tickets/{id}/referrals (issue #12, P5, P6, P7): refer a ticket, follow intake's answer, record quality's outcome. */
export const referralRoutes = (deps: ReferralRouteDeps) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // The ticket (and referral) a write names, for the app's precondition hook: one escalation does
  // not know is the write's 404 (the gateway's 503 while it may only not know it yet) with or
  // without If-Match (RFC 9110 §13.2.1).
  const paramsOf = (request: FastifyRequest) => request.params as { id: string; rid?: string };
  const refusal = (reply: FastifyReply, found: Result<unknown, Failure>) => (found.ok ? undefined : sendFailure(reply, found.error));
  const ticketFound: TargetRefusal = async (request, reply) => refusal(reply, await deps.unitOfWork.run((tx) => findReferralTicket(tx, paramsOf(request).id)));
  const referralFound: TargetRefusal = async (request, reply) => {
    const { id, rid = '' } = paramsOf(request);
    return refusal(reply, await deps.unitOfWork.run((tx) => findReferral(tx, id, rid)));
  };

  app.post(
    '/v1/tickets/:id/referrals',
    {
      schema: {
        tags: TAGS,
        operationId: 'createReferral',
        summary: 'Refer a ticket to development, quality or design; ticket-intake applies it',
        description:
          'Answers 202 with the referral `requested`: ticket-intake applies it (development: level development with its 7-day clock, status referred; design: status feature_request, no clock; quality: recorded in the history, on any ticket, resolved and closed ones included, reopening nothing and starting no clock) or rejects it (development or design of a closed ticket, one already referred, a status that does not allow it), and the referral shows `applied` or `rejected`.',
        params: ReferralTicketParams,
        body: CreateReferralBody,
        response: { 202: ReferralView, ...failureResponses('bad_request', 'invalid_reference', 'forbidden', 'unknown_ticket') },
      },
      config: { access: REFER, responseHeaders: { 202: ['Location'] }, preconditions: { refusedFirst: ticketFound } },
    },
    async (request, reply) => {
      const { staffId } = scopeOf(request, 'staff');
      const result = await deps.unitOfWork.run((tx) =>
        requestReferralIn(tx, deps, { ticketIdOrReference: request.params.id, target: request.body.target, reason: request.body.reason, staffId }, deps.clock.now()),
      );
      if (!result.ok) return sendFailure(reply, result.error);
      return reply.code(202).header('location', locationOf(result.value.referral)).send(writtenView(result.value));
    },
  );

  app.get(
    '/v1/tickets/:id/referrals',
    {
      schema: {
        tags: TAGS,
        operationId: 'listReferrals',
        summary: 'A ticket’s referrals, oldest first, with intake’s answers',
        params: ReferralTicketParams,
        response: { 200: ReferralList, ...failureResponses('invalid_reference', 'forbidden', 'unknown_ticket') },
      },
      config: { access: READ },
    },
    async (request, reply) => {
      const result = await deps.unitOfWork.run((tx) => listReferrals(tx, request.params.id));
      if (!result.ok) return sendFailure(reply, result.error);
      return { ticketId: result.value.ticket.ticketId, items: result.value.referrals.map(toReferralView) };
    },
  );

  app.get(
    '/v1/tickets/:id/referrals/:rid',
    {
      schema: {
        tags: TAGS,
        operationId: 'getReferral',
        summary: 'One referral: requested, applied or rejected (with the reason), and its outcome',
        params: ReferralParams,
        response: { 200: ReferralView, ...failureResponses('invalid_reference', 'forbidden', 'unknown_ticket', 'not_found') },
      },
      config: { access: READ },
    },
    async (request, reply) => {
      const result = await deps.unitOfWork.run((tx) => findReferral(tx, request.params.id, request.params.rid));
      return result.ok ? toReferralView(result.value) : sendFailure(reply, result.error);
    },
  );

  app.post(
    '/v1/tickets/:id/referrals/:rid/outcome',
    {
      schema: {
        tags: TAGS,
        operationId: 'recordReferralOutcome',
        summary: 'Record the quality department’s outcome on an applied quality referral (once)',
        description: 'P7: the quality role, or escalations:manage. The escalation that called quality in is resolved with the outcome.',
        params: ReferralParams,
        body: ReferralOutcomeBody,
        response: { 200: ReferralView, ...failureResponses('bad_request', 'invalid_reference', 'forbidden', 'unknown_ticket', 'not_found', 'conflict') },
      },
      config: { access: OUTCOME, preconditions: { refusedFirst: referralFound } },
    },
    async (request, reply) => {
      const { staffId } = scopeOf(request, 'staff');
      const result = await deps.unitOfWork.run((tx) =>
        recordReferralOutcomeIn(tx, deps, { ticketIdOrReference: request.params.id, referralId: request.params.rid, text: request.body.outcome, staffId }, deps.clock.now()),
      );
      return result.ok ? writtenView(result.value) : sendFailure(reply, result.error);
    },
  );
};
