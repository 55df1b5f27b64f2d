import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DataSource } from 'typeorm';
import { Type, type Static } from '@sinclair/typebox';
import { TICKET_WORKING_ROLES } from '@tss/contracts';
import type { Outbox, UnitOfWork } from '@tss/messaging';
import type { TimerStore } from '@tss/timers';
import { failureResponses, scopeOf, sendFailure, shownToReader, type AccessRule, type Clock } from '@tss/service-kit';
import { queueRank, type QueueView } from '../domain/queue-order';
import type { Ticket } from '../domain/ticket';
import { decodeQueueCursor, encodeQueueCursor } from '../domain/ticket-cursor';
import { queueStore, type QueueAssignee } from '../store/queue.store';
import { toTicket } from '../store/ticket.store';
import { claimQueueTicket } from '../use-cases/claim-queue-ticket';
import { toTicketSummaryView } from './ticket.views';
import { QueueEntry, QueuePage, QueueQuery } from './queue.schemas';

export interface QueueRoutesDeps {
  dataSource: DataSource;
  unitOfWork: UnitOfWork;
  outbox: Outbox;
  timers: TimerStore;
  clock: Clock;
}

const READ_QUEUE: AccessRule = { kinds: ['staff'], scopes: ['queue:read'] };
// Those who answer tickets take them from the queue (P4); quality and admin read it only.
const CLAIM: AccessRule = { kinds: ['staff'], roles: [...TICKET_WORKING_ROLES] };

// A ticket owing nothing (view open) has no due time: the queue's sort key is no promise to anyone.
// Only staff read the queue: link credentials in a subject are withheld (shownToReader).
const queueEntry = (ticket: Ticket, due: { responseDueAt: Date | null; queueDueAt: Date }): Static<typeof QueueEntry> => ({
  ticket: shownToReader({ kind: 'staff' }, toTicketSummaryView(ticket)),
  partnerId: ticket.partnerId,
  ...(ticket.responseOwed ? { dueAt: due.queueDueAt.toISOString(), dueAtSource: due.responseDueAt ? ('sla_clock' as const) : ('level_target' as const) } : {}),
});

export const queueRoutes = (deps: QueueRoutesDeps) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/v1/queue',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'readQueue',
        summary: 'The agents’ queue: open work owing a response, emergencies first, then by due time (P4)',
        description:
          '`view=open` lists every new or open ticket, those owing no response after the others (without `dueAt`): a ticket back from a wait ' +
          'with nothing from the requester, or answered and unassigned, owes nothing and is out of the default view, never out of this one.',
        querystring: QueueQuery,
        response: { 200: QueuePage, ...failureResponses('bad_request') },
      },
      config: { access: READ_QUEUE },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'staff');
      const { assignee: asked, cursor, limit } = request.query;
      const view: QueueView = request.query.view === 'open' ? 'open' : 'owed';
      const assignee: QueueAssignee =
        asked === 'me' ? { kind: 'staff', staffId: scope.staffId } : asked === 'any' ? { kind: 'any' } : { kind: 'unassigned' };
      // Every cursor is bound to its caller (the codec, docs/adr/0027), so one agent's is never another's page;
      // `me` names them in the filters too, as it did before. The default view's filters stay as before `view` existed.
      const filters = { assignee: asked, ...(asked === 'me' ? { staffId: scope.staffId } : {}), ...(view === 'open' ? { view } : {}) };
      const after = cursor === undefined ? undefined : decodeQueueCursor(cursor, scope, filters);
      if (after && !after.ok) return sendFailure(reply, after.error);
      const rows = await queueStore.list(deps.dataSource.manager, { assignee, view, after: after?.value, limit: limit + 1 });
      const page = rows.slice(0, limit).map((r) => ({ ...r, ticket: toTicket(r.ticket) }));
      const last = page.at(-1);
      return {
        items: page.map((r) => queueEntry(r.ticket, r)),
        ...(rows.length > limit && last
          ? {
              nextCursor: encodeQueueCursor(
                {
                  ...(last.ticket.responseOwed ? {} : { owesNothing: true as const }),
                  rank: queueRank(last.ticket.level),
                  dueAt: last.queueDueAt,
                  receivedAt: last.ticket.receivedAt,
                  id: last.ticket.id,
                },
                scope,
                filters,
              ),
            }
          : {}),
      };
    },
  );

  app.post(
    '/v1/queue/claim',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'claimQueueTicket',
        summary: 'Take the next ticket of the queue: it is assigned to the caller (P4)',
        description: 'Concurrent claims never get the same ticket. 204 when no unassigned ticket owes a response.',
        response: { 200: QueueEntry, 204: Type.Null({ description: 'The queue is empty' }) },
      },
      config: { access: CLAIM },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'staff');
      const claimed = await claimQueueTicket(deps, { staffId: scope.staffId });
      if (!claimed) return reply.code(204).send(null);
      return queueEntry(claimed.ticket, claimed);
    },
  );
};
