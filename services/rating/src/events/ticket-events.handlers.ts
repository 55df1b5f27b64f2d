import {
  TicketAssignedV1,
  TicketClosedV1,
  TicketCreatedV1,
  TicketDetailsChangedV1,
  TicketLevelChangedV1,
  TicketReopenedV1,
  TicketResolvedV1,
  TicketRespondedV1,
  TicketUnassignedV1,
  type EventContract,
  type EventData,
} from '@tss/contracts';
import { NotYet, on, type HandlerBinding, type HandlerContext } from '@tss/messaging';
import type { CloudEvent } from '@tss/contracts';
import { qualityFactStore } from '../store/quality-fact.store';
import { ratingTicketStore, type RatingTicket } from '../store/rating-ticket.store';
import { insertTickets, lockTicket } from './ticket-rows';
import { surveyStore } from '../store/survey.store';
import { requestSurveyIn, type SurveySettings } from '../use-cases/request-survey';
import { withdrawRatingAfterReopeningIn } from '../use-cases/withdraw-rating';

/**
 * A later event of a ticket rating knows, row-locked. Events of one ticket arrive in order on its
 * key (DESIGN "Order"); one ahead of `ticket.created` here is retried until the creation lands.
 */
const withTicket =
  <C extends EventContract>(contract: C, apply: (ticket: RatingTicket, data: EventData<C>, ctx: HandlerContext, event: CloudEvent<EventData<C>>) => Promise<void>): HandlerBinding =>
    on(contract, async (event, ctx) => {
      const data = event.data as EventData<C> & { partnerId: string };
      const ticket = await lockTicket(ctx, event.subject, data.partnerId);
      if (!ticket) throw new NotYet(`ticket ${event.subject}: ${event.type} waits for ticket.created`);
      await apply(ticket, event.data, ctx, event);
    });

/**
 * rating's projection of tickets, the survey on each resolution (P11), and the report's facts. A
 * new ticket's row is written at the end of its batch, with the batch's other new rows.
 */
export const ticketEventHandlers = (settings: SurveySettings): HandlerBinding[] => [
  on(TicketCreatedV1, async (event, { batch }) => {
    const d = event.data;
    batch.defer(insertTickets, {
      ticketId: event.subject,
      partnerId: d.partnerId,
      reference: d.reference,
      subject: d.subject,
      requesterId: d.requester.id ?? null,
      requesterEmail: d.requester.email ?? null,
      language: d.language === 'ru' ? 'ru' : 'en',
      level: d.level,
      product: d.product ?? null,
      receivedAt: new Date(d.receivedAt),
    });
  }),
  withTicket(TicketAssignedV1, async (ticket, d, { tx }) => ratingTicketStore.apply(tx, ticket.ticketId, { assigneeId: d.assigneeId })),
  withTicket(TicketUnassignedV1, async (ticket, _d, { tx }) => ratingTicketStore.unassign(tx, ticket.ticketId)),
  withTicket(TicketDetailsChangedV1, async (ticket, d, { tx }) => ratingTicketStore.setProduct(tx, ticket.ticketId, d.product ?? null)),
  withTicket(TicketLevelChangedV1, async (ticket, d, { tx }) => ratingTicketStore.apply(tx, ticket.ticketId, { level: d.to })),
  withTicket(TicketRespondedV1, async (ticket, d, { tx }, event) => {
    await ratingTicketStore.apply(tx, ticket.ticketId, { lastResponderId: d.authorId });
    // Under groupBy=agent a response counts for whoever gave it.
    await qualityFactStore.add(tx, {
      id: `response:${event.id}`,
      kind: 'response',
      ticketId: ticket.ticketId,
      partnerId: ticket.partnerId,
      agentId: d.authorId,
      level: ticket.level,
      product: ticket.product,
      at: new Date(d.respondedAt),
    });
  }),
  withTicket(TicketResolvedV1, async (ticket, d, { tx, outbox, now }) => {
    const resolvedAt = new Date(d.resolvedAt);
    await ratingTicketStore.apply(tx, ticket.ticketId, { resolvedAt });
    await requestSurveyIn(tx, { outbox, settings }, ticket, { resolvedAt, now, ticketSequence: d.sequence });
  }),
  withTicket(TicketReopenedV1, async (ticket, d, { tx, outbox, now }) => {
    const reopenedAt = new Date(d.reopenedAt);
    await ratingTicketStore.apply(tx, ticket.ticketId, { reopened: true });
    // P11: rating is upon resolution; the reopened ticket's unanswered survey waits for the next one,
    // and a rating taken after the reopening (before rating read it) is withdrawn.
    await surveyStore.withdrawOpen(tx, ticket.ticketId, reopenedAt);
    await withdrawRatingAfterReopeningIn(tx, { outbox }, ticket, { reopenedAt, ticketSequence: d.sequence, ...(d.ratingSurveyId ? { ratingSurveyId: d.ratingSurveyId } : {}) }, now);
    await qualityFactStore.markLatestResolutionReopened(tx, ticket.ticketId);
  }),
  withTicket(TicketClosedV1, async (ticket, d, { tx }) => ratingTicketStore.apply(tx, ticket.ticketId, { closedAt: new Date(d.closedAt) })),
];
