import { SUBSCRIBABLE_EVENT_TYPES } from './webhook-filter';

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

/** The types notification records as it consumes them (every event webhooks carry): a cause of one of these can be looked for. */
const RECORDED_TYPES: ReadonlySet<string> = new Set(SUBSCRIBABLE_EVENT_TYPES);

/**
 * What an event's webhook deliveries are queued after:
 * - `ticket-event`: the ticket event of that `sequence` (or a later one of the ticket);
 * - `event`: the event of that id, which notification records; it was itself queued after its own
 *   ticket event (a ticket event is in its ticket's order; an `sla.*` or `rating.*` one by the rule
 *   above or its own stream), so the waiting event follows both. `ticketSequence` only says, in
 *   the log, what it follows.
 */
export type AwaitedCause = { kind: 'ticket-event'; ticketSequence: number } | { kind: 'event'; eventId: string; eventType: string; ticketSequence: number | undefined };

const fieldOf = (data: object, name: string): unknown => (data as Record<string, unknown>)[name];

const ticketSequenceOf = (data: object): number | undefined => {
  const sequence = fieldOf(data, 'ticketSequence');
  return typeof sequence === 'number' && Number.isInteger(sequence) && sequence >= 1 ? sequence : undefined;
};

/**
 * An escalation event a consumed event caused (`escalation.raised`; an `escalation.resolved` the
 * service made on `sla.met`, `sla.breached` or `rating.withdrawn`) names that event
 * (`causeEventId`, `causeType`) and waits for it; one of a type notification does not record, for
 * the ticket event it names (`ticketSequence`). One naming no cause (`renotified`, `acknowledged`,
 * a person's `resolved`, `referral_requested`, an older escalation's) is queued as it comes: it
 * follows its escalation's `raised` on escalation's own stream for the ticket, which waited, and
 * the sequence it carries is the raise's, maybe older than the retention (a complaint re-notified
 * for weeks): waiting for it could cost every re-notice the whole bound. docs/adr/0066, addendum of
 * 2026-12-05, third session.
 */
const escalationCause = (data: object): AwaitedCause | undefined => {
  const eventId = fieldOf(data, 'causeEventId');
  const eventType = fieldOf(data, 'causeType');
  if (typeof eventId !== 'string' || eventId === '') return undefined;
  const ticketSequence = ticketSequenceOf(data);
  if (typeof eventType === 'string' && RECORDED_TYPES.has(eventType)) return { kind: 'event', eventId, eventType, ticketSequence };
  return ticketSequence === undefined ? undefined : { kind: 'ticket-event', ticketSequence };
};

/**
 * What an event's deliveries must be queued after, or undefined: not an event another one causes,
 * or from a producer that names none (queued as it comes).
 */
export const awaitedCause = (type: string, data: unknown): AwaitedCause | undefined => {
  if (typeof data !== 'object' || data === null) return undefined;
  if (type.startsWith('escalation.')) return escalationCause(data);
  if (!CAUSED_BY_A_TICKET_EVENT.has(type)) return undefined;
  const ticketSequence = ticketSequenceOf(data);
  return ticketSequence === undefined ? undefined : { kind: 'ticket-event', ticketSequence };
};
