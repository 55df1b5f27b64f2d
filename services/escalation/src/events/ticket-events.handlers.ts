import {
  TicketClosedV1,
  TicketCreatedV1,
  TicketLevelChangedV1,
  TicketReopenedV1,
  TicketResolvedV1,
  TicketStatusChangedV1,
  TicketTeamLeaderRequestedV1,
} from '@tss/contracts';
import { on, type HandlerBinding, type HandlerContext } from '@tss/messaging';
import type { TimerStore } from '@tss/timers';
import { stopsWithTicket } from '../domain/escalation';
import { escalationStore } from '../store/escalation.store';
import { ticketProjection, writeCreatedTickets, writeCreatedTicketsNow } from '../store/projection.store';
import { raiseFor, type RaiseDeps } from '../use-cases/raise-escalations';
import { cancelRenotice } from '../use-cases/renotice-timer';

/** A resolved or closed ticket owes no response: the re-notices of its response escalations stop (the records stay). */
const stopResponseRenotices = async (ctx: HandlerContext, timers: TimerStore, ticketId: string): Promise<void> => {
  for (const e of await escalationStore.openOfTicket(ctx.tx, ticketId)) if (stopsWithTicket(e.kind)) await cancelRenotice(ctx.tx, timers, e.id);
};

/** A later event's change to the ticket row, after the batch's deferred new rows are written (the read-through). */
const changeTicket = async (ctx: HandlerContext, ticketId: string, partnerId: string, change: Parameters<typeof ticketProjection.changed>[3]): Promise<void> => {
  await writeCreatedTicketsNow(ctx.batch);
  await ticketProjection.changed(ctx.tx, ticketId, partnerId, change, ctx.now);
};

/**
 * The ticket projection (partner, level, status) and the ticket events rules react to. A new
 * ticket's row is written at the end of its batch, with the batch's other new rows in one
 * statement (docs/adr/0049); what reads or changes a row in the batch writes them first.
 */
export const ticketEventHandlers = (deps: RaiseDeps): HandlerBinding[] => [
  on(TicketCreatedV1, async (event, ctx) => {
    const d = event.data;
    ctx.batch.defer(writeCreatedTickets, { ticketId: event.subject, partnerId: d.partnerId, reference: d.reference, level: d.level, status: 'new', at: ctx.now });
    await raiseFor(ctx.tx, deps, { type: 'ticket.created', eventId: event.id, ticketId: event.subject, partnerId: d.partnerId, level: d.level, ticketSequence: d.sequence }, ctx.now, ctx.batch);
  }),
  on(TicketTeamLeaderRequestedV1, async (event, ctx) => {
    const d = event.data;
    await raiseFor(
      ctx.tx,
      deps,
      { type: 'ticket.team_leader_requested', eventId: event.id, ticketId: event.subject, partnerId: d.partnerId, messageId: d.messageId, quote: d.quote, ticketSequence: d.sequence },
      ctx.now,
      ctx.batch,
    );
  }),
  on(TicketStatusChangedV1, async (event, ctx) => {
    await changeTicket(ctx, event.subject, event.data.partnerId, { status: event.data.to });
    if (event.data.to === 'resolved' || event.data.to === 'closed') await stopResponseRenotices(ctx, deps.timers, event.subject);
  }),
  on(TicketLevelChangedV1, async (event, ctx) => {
    await changeTicket(ctx, event.subject, event.data.partnerId, { level: event.data.to });
  }),
  on(TicketResolvedV1, async (event, ctx) => {
    await changeTicket(ctx, event.subject, event.data.partnerId, { status: 'resolved' });
    await stopResponseRenotices(ctx, deps.timers, event.subject);
  }),
  on(TicketClosedV1, async (event, ctx) => {
    await changeTicket(ctx, event.subject, event.data.partnerId, { status: 'closed' });
    await stopResponseRenotices(ctx, deps.timers, event.subject);
  }),
  on(TicketReopenedV1, async (event, ctx) => {
    await changeTicket(ctx, event.subject, event.data.partnerId, { status: 'open' });
  }),
];
