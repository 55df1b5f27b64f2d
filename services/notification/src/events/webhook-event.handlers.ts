import { IN_TRANSIT_FIELD, type CloudEvent } from '@tss/contracts';
import { NotYet, type BatchFlush, type BatchWrites, type HandlerBinding, type HandlerContext } from '@tss/messaging';
import { traceCarrierOf, type TraceCarrier } from '@tss/service-kit';
import type { TimerStore } from '@tss/timers';
import { awaitedCause, type AwaitedCause } from '../domain/webhook-event-order';
import { isStaffOnly, receivesType, webhookContracts } from '../domain/webhook-filter';
import { receivesPartner } from '../domain/webhook-endpoint';
import { webhookEventStore, type WebhookEventRecord } from '../store/webhook-event.store';
import { enqueueDeliveries } from '../use-cases/webhook-queue';

const fieldOf = (data: unknown, name: string): unknown => (typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[name] : undefined);

/** P9: `data` without what travels for the platform's consumers only (docs/adr/0070): never a partner's. */
const withoutInTransit = (data: unknown): unknown => {
  if (typeof data !== 'object' || data === null || !(IN_TRANSIT_FIELD in data)) return data;
  const { [IN_TRANSIT_FIELD]: _inTransit, ...kept } = data as Record<string, unknown>;
  return kept;
};

/**
 * The body receivers get: the CloudEvent as published, without the internal trace context and
 * without in-transit data (a rating's comment as written, P9), with the event's per-ticket
 * `sequence` as an extension attribute beside `subject` (ticket events number them in intake's
 * transaction) so receivers can order one ticket's events.
 */
export const webhookBodyOf = (event: CloudEvent<unknown>): { body: string; partnerId: string | undefined; sequence: number | undefined } => {
  const { traceparent: _traceparent, tracestate: _tracestate, ...traced } = event;
  const published = { ...traced, data: withoutInTransit(traced.data) };
  const sequence = fieldOf(event.data, 'sequence');
  const partnerId = fieldOf(event.data, 'partnerId');
  const numbered = typeof sequence === 'number' ? { ...published, sequence } : published;
  return {
    body: JSON.stringify(numbered),
    partnerId: typeof partnerId === 'string' ? partnerId : undefined,
    sequence: typeof sequence === 'number' ? sequence : undefined,
  };
};

/** An event handled in the batch, kept for its batch's flush with the trace it was consumed in. */
interface PendingWebhookEvent {
  record: WebhookEventRecord;
  trace: TraceCarrier;
}

/**
 * Records the event (for replay) and queues one delivery per enabled endpoint that may see its
 * partner and whose filters match (none of a partner's for a staff-only event), in the event's own transaction: the inbox row, the deliveries
 * and their timers commit together, so an event is queued exactly once.
 *
 * The writes are deferred to the end of the consumer's batch (docs/adr/0049, issue #11): one
 * statement records every event of the batch and reads the receiving endpoints of all their
 * partners, and one queues every delivery (none when no endpoint matches). An endpoint created or
 * disabled while the batch runs is seen by the next batch, as it would be by an event handled a
 * moment later; a delivery queued for an endpoint disabled meanwhile is cancelled when due.
 */
export const queueWebhooks = (timers: TimerStore) => {
  const flush: BatchFlush<PendingWebhookEvent> = async (pending, { tx, now }) => {
    // An event twice in one batch (a V1 and a V2 of it) is recorded and queued once.
    const unique = [...new Map(pending.map((p) => [p.record.id, p])).values()];
    const { recorded, receivers } = await webhookEventStore.insertAllReturningReceivers(
      tx,
      unique.map((p) => p.record),
      now,
    );
    const messages = unique
      .filter((p) => recorded.has(p.record.id))
      .flatMap(({ record, trace }) =>
        receivers
          .filter((endpoint) => receivesPartner(endpoint, record.partnerId) && receivesType(endpoint, record.type))
          .map((endpoint) => ({ endpointId: endpoint.id, messageId: record.id, eventType: record.type, body: record.body, reason: 'event' as const, subject: record.subject, trace })),
      );
    // Every delivery of the batch in one statement, ready at commit (issue #15).
    await enqueueDeliveries(tx, timers, messages, now);
  };
  /** Per transaction, the latest ticket event of each ticket its handlers have queued (recorded at its flush). */
  const ticketEventsInBatch = new WeakMap<BatchWrites, Map<string, number>>();
  /** Per transaction, the ids of the events its handlers have queued (recorded at its flush). */
  const eventsInBatch = new WeakMap<BatchWrites, Set<string>>();

  /**
   * Per transaction, whether any enabled endpoint may receive a partner's events (key: the partner's
   * id, or '' for staff endpoints only), as the first check of the batch for that partner found it.
   * Most partners subscribe to nothing: their later events skip the check's round trip (issue #15).
   */
  const receiversInBatch = new WeakMap<BatchWrites, Map<string, boolean>>();

  const queuedEarlierInBatch = (cause: AwaitedCause, subject: string, batch: BatchWrites): boolean =>
    cause.kind === 'event' ? (eventsInBatch.get(batch)?.has(cause.eventId) ?? false) : (ticketEventsInBatch.get(batch)?.get(subject) ?? 0) >= cause.ticketSequence;

  /**
   * An event another one caused is queued after it (docs/adr/0066, addenda of 2026-12-05): an `sla.*`
   * or `rating.*` event after the ticket event it names, an escalation event after the event that
   * raised or resolved it. The producers' topics are consumed side by side, so the effect may come
   * first. Until the cause is recorded (earlier in this batch, or committed) it answers `NotYet` and
   * the consumer retries it; once the consumer's wait is spent it is queued anyway, with a warning:
   * out of order rather than lost. Nobody who may receive it subscribed (for a staff-only event, no
   * staff endpoint): nothing to order, no wait.
   */
  const afterItsCause = async (event: CloudEvent<unknown>, partnerId: string | undefined, { tx, batch, logger, waitSpent }: HandlerContext): Promise<void> => {
    const cause = awaitedCause(event.type, event.data);
    if (cause === undefined || queuedEarlierInBatch(cause, event.subject, batch)) return;
    // A partner's endpoints never receive a staff-only event: only staff endpoints count.
    const receiversOf = isStaffOnly(event.type) ? undefined : partnerId;
    const receivers = receiversInBatch.get(batch) ?? new Map<string, boolean>();
    receiversInBatch.set(batch, receivers);
    // No receiver when the batch first looked: none is waiting for this event's order.
    if (receivers.get(receiversOf ?? '') === false) return;
    const { recorded, anyReceiver } =
      cause.kind === 'event'
        ? await webhookEventStore.eventRecorded(tx, cause.eventId, receiversOf)
        : await webhookEventStore.ticketEventRecorded(tx, event.subject, cause.ticketSequence, receiversOf);
    receivers.set(receiversOf ?? '', anyReceiver);
    if (recorded || !anyReceiver) return;
    const awaited = cause.kind === 'event' ? `${cause.eventType} ${cause.eventId}` : `ticket event ${cause.ticketSequence}`;
    if (!waitSpent) throw new NotYet(`ticket ${event.subject}: ${event.type} waits for ${awaited}`);
    // The consumer's logger names the event (`eventId`, `type`).
    logger.warn(
      { ticketId: event.subject, partnerId, ...(cause.kind === 'event' ? { causeEventId: cause.eventId, causeType: cause.eventType } : {}), ticketSequence: cause.ticketSequence },
      event.type.startsWith('escalation.')
        ? 'webhook deliveries of an escalation event queued without the event it follows: not consumed within the wait'
        : 'webhook deliveries of an sla or rating event queued without the ticket event it follows: not consumed within the wait',
    );
  };

  return async (event: CloudEvent<unknown>, ctx: HandlerContext): Promise<void> => {
    const { body, partnerId, sequence } = webhookBodyOf(event);
    await afterItsCause(event, partnerId, ctx);
    const { batch } = ctx;
    if (sequence !== undefined) {
      const queued = ticketEventsInBatch.get(batch) ?? new Map<string, number>();
      queued.set(event.subject, Math.max(queued.get(event.subject) ?? 0, sequence));
      ticketEventsInBatch.set(batch, queued);
    }
    const handled = eventsInBatch.get(batch) ?? new Set<string>();
    eventsInBatch.set(batch, handled.add(event.id));
    const record = { id: event.id, type: event.type, partnerId, subject: event.subject, sequence, occurredAt: new Date(event.time), body };
    // The consumer's span of this event: its deliveries continue its trace.
    batch.defer(flush, { record, trace: traceCarrierOf() });
  };
};

export const webhookHandlers = (timers: TimerStore): HandlerBinding[] => {
  const handle = queueWebhooks(timers);
  return webhookContracts().map((contract) => ({ contract, handle }));
};
