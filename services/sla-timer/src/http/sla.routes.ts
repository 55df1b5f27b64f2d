import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { DataSource } from 'typeorm';
import { ServiceLevel, StringEnum } from '@tss/contracts';
import { authorize } from '@tss/service-kit';
import { responseClockStore } from '../store/response-clock.store';

const ClockView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  level: ServiceLevel,
  status: StringEnum(['running', 'met', 'breached', 'cancelled'] as const),
  startedAt: Type.String({ format: 'date-time' }),
  dueAt: Type.String({ format: 'date-time' }),
});
const TicketSlaView = Type.Object({ ticketId: Type.String({ format: 'uuid' }), clocks: Type.Array(ClockView) }, { $id: 'TicketSla' });

export const slaRoutes = (deps: { dataSource: DataSource }) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/tickets/:id/sla',
    {
      schema: {
        tags: ['sla'],
        operationId: 'getTicketSla',
        summary: "A ticket's response clocks (P5)",
        security: [{ bearerAuth: [] }],
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: TicketSlaView, 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' } },
      },
    },
    async (request, reply) => {
      const principal = authorize(request, reply, { kinds: ['partner', 'requester'], scopes: ['tickets:read'] });
      if (!principal) return reply;
      // Tenancy from sla-timer's own projection: clocks carry the partner of their ticket.
      const rows = principal.partnerId ? await responseClockStore.listForTicket(deps.dataSource.manager, principal.partnerId, request.params.id) : [];
      return {
        ticketId: request.params.id,
        clocks: rows.map((r) => ({ id: r.id, level: r.level, status: r.status, startedAt: r.startedAt.toISOString(), dueAt: r.dueAt.toISOString() })),
      };
    },
  );
};
