import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DataSource } from 'typeorm';
import { failureResponses, scopeOf, sendFailure, shownToReader, type AccessRule } from '@tss/service-kit';
import { encodeTicketListCursor } from '../domain/ticket-cursor';
import { ticketSearchStore } from '../store/ticket-search.store';
import { toTicket } from '../store/ticket.store';
import { ticketListRequest } from './ticket-list.query';
import { TicketListPage, TicketListQuery } from './ticket-list.schemas';
import { toTicketSummaryView } from './ticket.views';

// Partners list their tickets, requesters their own, staff every partner's.
const LIST: AccessRule = { kinds: ['partner', 'requester', 'staff'], scopes: ['tickets:read'] };

export const ticketListRoutes = (deps: { dataSource: DataSource }) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/v1/tickets',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'listTickets',
        summary: 'List and search tickets, newest first, a page at a time',
        description:
          'Partners see their tickets, requesters their own, staff every partner’s (optionally one, `partnerId`). Filters AND together; ' +
          'a filter that takes several values matches any of them. Pages follow `nextCursor` and never repeat or skip a ticket.',
        querystring: TicketListQuery,
        response: { 200: TicketListPage, ...failureResponses('bad_request') },
      },
      config: { access: LIST },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'partner', 'requester', 'staff');
      const asked = ticketListRequest(request.query, scope);
      if (!asked.ok) return sendFailure(reply, asked.error);
      const { filter, satisfiable, after, limit } = asked.value;
      if (!satisfiable) return { items: [] };
      // One row more than the page tells whether another page follows.
      const rows = await ticketSearchStore.search(deps.dataSource.manager, filter, { after, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map((r) => shownToReader(scope, toTicketSummaryView(toTicket(r)))),
        ...(rows.length > limit && last ? { nextCursor: encodeTicketListCursor({ receivedAt: last.receivedAt, id: last.id }, scope, asked.value.asked) } : {}),
      };
    },
  );
};
