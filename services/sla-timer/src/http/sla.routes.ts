import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { DataSource } from 'typeorm';
import { ServiceLevel, StringEnum } from '@tss/contracts';
import { failureResponses, requesterOf, scopeOf, sendFailure, type AccessRule } from '@tss/service-kit';
import { responseClockStore } from '../store/response-clock.store';

const ClockView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  level: ServiceLevel,
  status: StringEnum(['running', 'met', 'breached', 'cancelled'] as const),
  startedAt: Type.String({ format: 'date-time' }),
  dueAt: Type.String({ format: 'date-time' }),
});
const TicketSlaView = Type.Object({ ticketId: Type.String({ format: 'uuid' }), clocks: Type.Array(ClockView) }, { $id: 'TicketSla' });

const READ: AccessRule = { kinds: ['partner', 'requester'], scopes: ['tickets:read'] };

export const slaRoutes = (deps: { dataSource: DataSource }) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/tickets/:id/sla',
    {
      schema: {
        tags: ['sla'],
        operationId: 'getTicketSla',
        summary: "A ticket's response clocks (P5)",
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: TicketSlaView, ...failureResponses('not_found') },
      },
      config: { access: READ },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'partner', 'requester');
      // Tenancy from sla-timer's own projection: clocks carry the partner and requester of their ticket.
      const rows = await responseClockStore.listForTicket(deps.dataSource.manager, { partnerId: scope.partnerId, requesterId: requesterOf(scope) }, request.params.id);
      // Every ticket gets a clock when sla-timer learns of it (ticket.created): none is a ticket
      // this caller may not see, or one not known here yet. Both are a 404, as in ticket-intake.
      if (rows.length === 0) return sendFailure(reply, { kind: 'not_found', detail: 'No clocks for such a ticket.' });
      return {
        ticketId: request.params.id,
        clocks: rows.map((r) => ({ id: r.id, level: r.level, status: r.status, startedAt: r.startedAt.toISOString(), dueAt: r.dueAt.toISOString() })),
      };
    },
  );
};
