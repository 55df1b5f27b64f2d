/**
 * The events a ticket event causes as it is applied: `sla.*` (a clock started, re-targeted, met or
 * cancelled by it) and `rating.*` (a survey asked for by `ticket.resolved`, a rating withdrawn by
 * `ticket.reopened`). Notification queues their webhook deliveries after that ticket event's, so an
 * endpoint gets cause before effect although the two come from different producers and topics
 * (docs/adr/0066, addenda of 2026-12-05).
 *
 * A breach, a warning and an overdue notice are a clock's timers: they follow the clock's start or
 * re-target, whose event came before them on the ticket's own `sla.*` stream and waited already.
 * Waiting for them again would wait for nothing, and for a ticket event older than the webhook
 * retention (a development clock's overdue notice weeks later) it would wait the whole bound.
 */
const CAUSED_BY_A_TICKET_EVENT: ReadonlySet<string> = new Set(['sla.clock_started', 'sla.retargeted', 'sla.met', 'sla.clock_cancelled', 'rating.requested', 'rating.withdrawn']);

/**
 * The ticket event (its `sequence`) whose deliveries an event's must be queued after, or undefined:
 * not an event a ticket event causes, or from a producer that names none (queued as it comes).
 */
export const awaitedTicketSequence = (type: string, data: unknown): number | undefined => {
  if (!CAUSED_BY_A_TICKET_EVENT.has(type) || typeof data !== 'object' || data === null) return undefined;
  const sequence = (data as { ticketSequence?: unknown }).ticketSequence;
  return typeof sequence === 'number' && Number.isInteger(sequence) && sequence >= 1 ? sequence : undefined;
};
