import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { UnitOfWork, Outbox } from '@tss/messaging';
import { failureResponses, ok, scopeOf, sendFailure, withoutLinkSecrets, type AccessRule, type Clock, type Failure, type Result, type TargetRefusal } from '@tss/service-kit';
import type { TimerStore } from '@tss/timers';
import type { Actor, Escalation } from '../domain/escalation';
import { decodeEscalationCursor, encodeEscalationCursor } from '../domain/escalation-cursor';
import { escalationStore } from '../store/escalation.store';
import { acknowledgeEscalation, NO_SUCH_ESCALATION, resolveEscalation } from '../use-cases/escalation-actions';
import { ticketOfFilter } from '../use-cases/ticket-of-filter';
import { EscalationList, EscalationParams, EscalationQuery, EscalationView, ResolveBody } from './escalation.schemas';

/** Escalations are staff-only (partners and requesters: 403 by the access rule). */
export const READ: AccessRule = { kinds: ['staff'], scopes: ['escalations:read'] };
const ACT: AccessRule = { kinds: ['staff'], scopes: ['escalations:read', 'escalations:manage'] };
const TAGS = ['tickets'];

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/**
 * Staff read escalations, which quote the requester's words: a rating or support-site link pasted
 * there is withheld as everywhere staff read (docs/adr/0040, addenda of 2026-12-04, fifth session).
 */
export const escalationView = (e: Escalation) => ({
  id: e.id,
  ticketId: e.ticketId,
  partnerId: e.partnerId,
  kind: e.kind,
  level: e.level,
  rule: e.rule,
  causeEventId: e.causeEventId,
  causeType: e.causeType,
  targetRole: e.targetRole,
  targetStaffIds: e.targetStaffIds,
  surveyId: e.surveyId,
  quote: e.quote === null ? null : withoutLinkSecrets(e.quote),
  summary: withoutLinkSecrets(e.summary),
  status: e.status,
  raisedAt: e.raisedAt.toISOString(),
  acknowledgedAt: iso(e.acknowledgedAt),
  acknowledgedBy: e.acknowledgedBy,
  resolvedAt: iso(e.resolvedAt),
  resolvedBy: e.resolvedBy,
  outcome: e.outcome,
  renotices: e.renotices,
  lastNotifiedAt: iso(e.lastNotifiedAt),
  clockStoppedAt: iso(e.clockStoppedAt),
});

export interface EscalationRouteDeps {
  unitOfWork: UnitOfWork;
  outbox: Outbox;
  timers: TimerStore;
  clock: Clock;
}

const actorOf = (request: FastifyRequest): Actor => {
  const scope = scopeOf(request, 'staff');
  const scopes = request.principal?.scopes ?? [];
  return { staffId: scope.staffId, manages: scopes.includes('escalations:manage') };
};

/** /v1/escalations (issue #12): the records, filtered and paged; acknowledge and resolve. */
export const escalationRoutes = (deps: EscalationRouteDeps) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // The escalation an action names, for the app's precondition hook: a missing one is the action's
  // 404 with or without If-Match (RFC 9110 §13.2.1).
  const escalationFound: TargetRefusal = async (request, reply) =>
    (await deps.unitOfWork.run((tx) => escalationStore.find(tx, (request.params as { id: string }).id))) ? undefined : sendFailure(reply, NO_SUCH_ESCALATION);

  app.get(
    '/v1/escalations',
    {
      schema: {
        tags: TAGS,
        operationId: 'listEscalations',
        summary: 'Escalations, newest first: filter by open, status, ticket, level, target role or person, kind',
        querystring: EscalationQuery,
        response: { 200: EscalationList, ...failureResponses('bad_request', 'invalid_reference') },
      },
      config: { access: READ },
    },
    async (request, reply) => {
      const q = request.query;
      const scope = scopeOf(request, 'staff');
      const listed = await deps.unitOfWork.run(async (tx): Promise<Result<{ items: Escalation[]; filters: object } | undefined, Failure>> => {
        // The ticket by id or reference (docs/api.md §3); one escalation does not know has none.
        const ticket = q.ticketId === undefined ? ok(undefined) : await ticketOfFilter(tx, q.ticketId);
        if (!ticket.ok) return ticket;
        if (q.ticketId !== undefined && ticket.value === undefined) return ok(undefined);
        // A cursor continues the list it came from: the same filters (the ticket as its id, `me` as the caller asked it).
        const filters = { open: q.open, status: q.status, ticketId: ticket.value, level: q.level, targetRole: q.targetRole, target: q.target, kind: q.kind };
        const decoded = q.cursor === undefined ? undefined : decodeEscalationCursor(q.cursor, scope, filters);
        if (decoded && !decoded.ok) return decoded;
        const items = await escalationStore.list(tx, {
          open: q.open,
          status: q.status,
          ticketId: ticket.value,
          level: q.level,
          targetRole: q.targetRole,
          targetStaffId: q.target === 'me' ? scope.staffId : q.target,
          kind: q.kind,
          after: decoded?.value,
          limit: q.limit + 1,
        });
        return ok({ items, filters });
      });
      if (!listed.ok) return sendFailure(reply, listed.error);
      if (!listed.value) return { items: [] };
      const { items, filters } = listed.value;
      const page = items.slice(0, q.limit);
      const last = page[page.length - 1];
      return { items: page.map(escalationView), ...(items.length > q.limit && last ? { nextCursor: encodeEscalationCursor({ raisedAt: last.raisedAt, id: last.id }, scope, filters) } : {}) };
    },
  );

  app.get(
    '/v1/escalations/:id',
    {
      schema: { tags: TAGS, operationId: 'getEscalation', summary: 'One escalation', params: EscalationParams, response: { 200: EscalationView, ...failureResponses('not_found') } },
      config: { access: READ },
    },
    async (request, reply) => {
      const found = await deps.unitOfWork.run((tx) => escalationStore.find(tx, request.params.id));
      return found ? escalationView(found) : sendFailure(reply, NO_SUCH_ESCALATION);
    },
  );

  app.post(
    '/v1/escalations/:id/acknowledge',
    {
      schema: {
        tags: TAGS,
        operationId: 'acknowledgeEscalation',
        summary: 'Take the escalation up (someone it was sent to, or escalations:manage); its re-notices stop',
        params: EscalationParams,
        response: { 200: EscalationView, ...failureResponses('forbidden', 'not_found', 'conflict') },
      },
      config: { access: ACT, preconditions: { refusedFirst: escalationFound } },
    },
    async (request, reply) => {
      const result = await deps.unitOfWork.run((tx) => acknowledgeEscalation(tx, deps, request.params.id, actorOf(request), deps.clock.now()));
      return result.ok ? escalationView(result.value) : sendFailure(reply, result.error);
    },
  );

  app.post(
    '/v1/escalations/:id/resolve',
    {
      schema: {
        tags: TAGS,
        operationId: 'resolveEscalation',
        summary: 'End the escalation, with an optional outcome; its re-notices stop',
        params: EscalationParams,
        body: ResolveBody,
        response: { 200: EscalationView, ...failureResponses('bad_request', 'forbidden', 'not_found', 'conflict') },
      },
      config: { access: ACT, preconditions: { refusedFirst: escalationFound } },
    },
    async (request, reply) => {
      const outcome = request.body?.outcome;
      const result = await deps.unitOfWork.run((tx) => resolveEscalation(tx, deps, request.params.id, actorOf(request), outcome, deps.clock.now()));
      if (!result.ok) return sendFailure(reply, result.error);
      const { escalation, notes } = result.value;
      return { ...escalationView(escalation), ...(notes.length > 0 ? { notes } : {}) };
    },
  );
};
