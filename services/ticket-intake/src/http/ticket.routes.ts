import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DataSource } from 'typeorm';
import type { Outbox, UnitOfWork } from '@tss/messaging';
import { failureResponses, requesterOf, scopeOf, sendFailure, type AccessRule, type Clock } from '@tss/service-kit';
import type { Ticket } from '../domain/ticket';
import { ticketStore, toTicket } from '../store/ticket.store';
import { fileTicket } from '../use-cases/file-ticket';
import { FileTicketBody, IdempotencyHeaders, TicketIdParams, TicketView } from './ticket.schemas';

export interface TicketRoutesDeps {
  dataSource: DataSource;
  unitOfWork: UnitOfWork;
  outbox: Outbox;
  clock: Clock;
}

export const toTicketView = (t: Ticket): TicketView => ({
  id: t.id,
  reference: t.reference,
  status: t.status,
  level: t.level,
  levelConfirmed: t.levelConfirmed,
  channel: t.channel,
  product: t.request.product,
  productVersion: t.request.productVersion,
  subject: t.request.subject ?? t.request.description.slice(0, 120),
  missingDetails: t.missingDetails,
  teamLeaderRequested: t.teamLeaderRequested,
  receivedAt: t.receivedAt.toISOString(),
  ...(t.acceptedAt ? { acceptedAt: t.acceptedAt.toISOString() } : {}),
});

// Requester tokens act for one of the partner's clients and see only that client's tickets.
export const READ: AccessRule = { kinds: ['partner', 'requester'], scopes: ['tickets:read'] };
export const WRITE: AccessRule = { kinds: ['partner', 'requester'], scopes: ['tickets:write'] };

export const ticketRoutes = (deps: TicketRoutesDeps) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/v1/tickets',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'fileTicket',
        summary: 'File a support request (P2); answers with its reference number (P3)',
        headers: IdempotencyHeaders,
        body: FileTicketBody,
        response: { 201: TicketView, 200: TicketView, ...failureResponses('idempotency_conflict') },
      },
      config: { access: WRITE },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'partner', 'requester');
      const body = scope.kind === 'requester' ? { ...request.body, requester: { ...request.body.requester, id: scope.requesterId } } : request.body;
      const result = await fileTicket(deps, { partnerId: scope.partnerId, channel: 'api', request: body, idempotencyKey: request.headers['idempotency-key'] });
      if (!result.ok) return sendFailure(reply, result.error);
      const { ticket, replayed } = result.value;
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(replayed ? 200 : 201).header('location', `/v1/tickets/${ticket.id}`).send(toTicketView(ticket));
    },
  );

  app.get(
    '/v1/tickets/:id',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'getTicket',
        summary: 'Read one ticket of the caller',
        params: TicketIdParams,
        response: { 200: TicketView, ...failureResponses('not_found') },
      },
      config: { access: READ },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'partner', 'requester');
      const row = await ticketStore.findForPartner(deps.dataSource.manager, scope.partnerId, request.params.id);
      // Another partner's or requester's ticket is indistinguishable from a missing one.
      const requesterId = requesterOf(scope);
      if (!row || (requesterId !== undefined && row.requesterId !== requesterId)) return sendFailure(reply, { kind: 'not_found', detail: 'No such ticket.' });
      return toTicketView(toTicket(row));
    },
  );
};
