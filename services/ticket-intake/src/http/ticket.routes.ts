import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DataSource } from 'typeorm';
import type { Outbox, UnitOfWork } from '@tss/messaging';
import { authorize, problemType, sendProblem, type Clock, type Principal } from '@tss/service-kit';
import type { Ticket } from '../domain/ticket';
import { ticketStore, toTicket } from '../store/ticket.store';
import { fileTicket } from '../use-cases/file-ticket';
import { FileTicketBody, IdempotencyHeaders, TicketIdParams, TicketList, TicketListQuery, TicketView } from './ticket.schemas';

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

const PROBLEMS = { 400: { $ref: 'Problem#' }, 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' } } as const;

/** Requester tokens act for one of the partner's clients and see only that client's tickets. */
const canSee = (principal: Principal, ticket: { requesterId: string | null }) =>
  principal.kind !== 'requester' || ticket.requesterId === principal.requesterId;

export const ticketRoutes = (deps: TicketRoutesDeps) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(TicketView);

  app.post(
    '/v1/tickets',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'fileTicket',
        summary: 'File a support request (P2); answers with its reference number (P3)',
        security: [{ bearerAuth: [] }],
        headers: IdempotencyHeaders,
        body: FileTicketBody,
        response: { 201: TicketView, 200: TicketView, 409: { $ref: 'Problem#' }, ...PROBLEMS },
      },
    },
    async (request, reply) => {
      const principal = authorize(request, reply, { kinds: ['partner', 'requester'], scopes: ['tickets:write'] });
      if (!principal) return reply;
      const partnerId = principal.partnerId;
      if (!partnerId) return sendProblem(reply, { type: problemType('forbidden'), title: 'Forbidden', status: 403, detail: 'The token names no partner.' });
      const body = principal.kind === 'requester' ? { ...request.body, requester: { ...request.body.requester, id: principal.requesterId } } : request.body;
      const result = await fileTicket(deps, { partnerId, channel: 'api', request: body, idempotencyKey: request.headers['idempotency-key'] });
      if (!result.ok) return sendProblem(reply, { type: problemType('idempotency-conflict'), title: 'Conflict', status: 409, detail: result.error.detail });
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
        security: [{ bearerAuth: [] }],
        params: TicketIdParams,
        response: { 200: TicketView, 404: { $ref: 'Problem#' }, ...PROBLEMS },
      },
    },
    async (request, reply) => {
      const principal = authorize(request, reply, { kinds: ['partner', 'requester'], scopes: ['tickets:read'] });
      if (!principal) return reply;
      const row = principal.partnerId ? await ticketStore.findForPartner(deps.dataSource.manager, principal.partnerId, request.params.id) : null;
      // Another partner's ticket is indistinguishable from a missing one.
      if (!row || !canSee(principal, row)) {
        return sendProblem(reply, { type: problemType('not-found'), title: 'Not Found', status: 404, detail: 'No such ticket.' });
      }
      return toTicketView(toTicket(row));
    },
  );

  app.get(
    '/v1/tickets',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'listTickets',
        summary: "List the caller's tickets, newest first",
        security: [{ bearerAuth: [] }],
        querystring: TicketListQuery,
        response: { 200: TicketList, ...PROBLEMS },
      },
    },
    async (request, reply) => {
      const principal = authorize(request, reply, { kinds: ['partner', 'requester'], scopes: ['tickets:read'] });
      if (!principal?.partnerId) return principal ? { items: [] } : reply;
      const rows = await ticketStore.listForPartner(deps.dataSource.manager, principal.partnerId, {
        limit: request.query.limit,
        requesterId: principal.kind === 'requester' ? principal.requesterId ?? '-' : undefined,
      });
      return { items: rows.map((r) => toTicketView(toTicket(r))) };
    },
  );
};
