import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DataSource } from 'typeorm';
import { requesterOf, scopeOf } from '@tss/service-kit';
import { ticketStore, toTicket } from '../store/ticket.store';
import { READ, toTicketView } from './ticket.routes';
import { TicketList, TicketListQuery } from './ticket.schemas';

export const ticketListRoutes = (deps: { dataSource: DataSource }) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/v1/tickets',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'listTickets',
        summary: "List the caller's tickets, newest first",
        querystring: TicketListQuery,
        response: { 200: TicketList },
      },
      config: { access: READ },
    },
    async (request) => {
      const scope = scopeOf(request, 'partner', 'requester');
      const rows = await ticketStore.listForPartner(deps.dataSource.manager, scope.partnerId, { limit: request.query.limit, requesterId: requesterOf(scope) });
      return { items: rows.map((r) => toTicketView(toTicket(r))) };
    },
  );
};
