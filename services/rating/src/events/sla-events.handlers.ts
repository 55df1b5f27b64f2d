import { SlaBreachedV1, SlaMetV1 } from '@tss/contracts';
import { NotYet, on, type HandlerBinding, type HandlerContext } from '@tss/messaging';
import { qualityFactStore } from '../store/quality-fact.store';
import { agentOf, ratingTicketStore } from '../store/rating-ticket.store';
import { lockTicket } from './ticket-rows';

/** `sla.*` travels on its own topic: it may come before the ticket's creation reached rating. */
const record = async (ctx: HandlerContext, input: { eventId: string; ticketId: string; partnerId: string; level: string; outcome: 'met' | 'breached'; at: Date }) => {
  const ticket = await lockTicket(ctx, input.ticketId, input.partnerId);
  if (!ticket) throw new NotYet(`ticket ${input.ticketId}: sla.${input.outcome} waits for ticket.created`);
  await ratingTicketStore.apply(ctx.tx, ticket.ticketId, { sla: input.outcome });
  await qualityFactStore.add(ctx.tx, {
    id: `sla:${input.eventId}`,
    kind: input.outcome === 'met' ? 'sla_met' : 'sla_breached',
    ticketId: ticket.ticketId,
    partnerId: ticket.partnerId,
    agentId: agentOf(ticket),
    // The level the clock ran at, which is what was owed.
    level: input.level,
    product: ticket.product,
    at: input.at,
  });
};

/** The report's SLA compliance (met / (met + breached)), from sla-timer's outcomes. */
export const slaEventHandlers = (): HandlerBinding[] => [
  on(SlaMetV1, (event, ctx) =>
    record(ctx, { eventId: event.id, ticketId: event.subject, partnerId: event.data.partnerId, level: event.data.level, outcome: 'met', at: new Date(event.data.respondedAt) }),
  ),
  on(SlaBreachedV1, (event, ctx) =>
    record(ctx, { eventId: event.id, ticketId: event.subject, partnerId: event.data.partnerId, level: event.data.level, outcome: 'breached', at: new Date(event.data.breachedAt) }),
  ),
];
