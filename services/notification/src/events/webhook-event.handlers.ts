import { EventCatalogue, type CloudEvent } from '@tss/contracts';
import type { HandlerBinding, HandlerContext } from '@tss/messaging';
import type { TimerStore } from '@tss/timers';
import { matchesAny } from '../domain/webhook-filter';
import type { EntityManager } from 'typeorm';
import { transactionMemo } from '@tss/persistence';
import { receivesPartner, type WebhookEndpoint } from '../domain/webhook-endpoint';
import { webhookEventStore } from '../store/webhook-event.store';
import { enqueueDeliveries } from '../use-cases/webhook-queue';

/** The domains whose events endpoints may subscribe to (DESIGN: notification consumes these). */
export const WEBHOOK_DOMAINS = ['ticket', 'sla', 'escalation', 'rating'] as const;

export const webhookContracts = () =>
  EventCatalogue.filter((c) => c.owner !== 'notification' && (WEBHOOK_DOMAINS as readonly string[]).includes(c.type.slice(0, c.type.indexOf('.'))));

const fieldOf = (data: unknown, name: string): unknown => (typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[name] : undefined);

/**
 * The body receivers get: the CloudEvent as published, without the internal trace context, with the
 * event's per-ticket `sequence` as an extension attribute beside `subject` (ticket events number
 * them in intake's transaction) so receivers can order one ticket's events.
 */
export const webhookBodyOf = (event: CloudEvent<unknown>): { body: string; partnerId: string | undefined; sequence: number | undefined } => {
  const { traceparent: _traceparent, tracestate: _tracestate, ...published } = event;
  const sequence = fieldOf(event.data, 'sequence');
  const partnerId = fieldOf(event.data, 'partnerId');
  const numbered = typeof sequence === 'number' ? { ...published, sequence } : published;
  return {
    body: JSON.stringify(numbered),
    partnerId: typeof partnerId === 'string' ? partnerId : undefined,
    sequence: typeof sequence === 'number' ? sequence : undefined,
  };
};

/**
 * Records the event (for replay) and queues one delivery per enabled endpoint that may see its
 * partner and whose filters match, in the event's own transaction: the inbox row, the deliveries
 * and their timers commit together, so an event is queued exactly once.
 */
export const queueWebhooks = (timers: TimerStore) => {
  // A partner's receiving endpoints, read once per transaction: a consumer batch of a hundred
  // events reads them once, with its first event's insert (issue #11, docs/adr/0047). An endpoint
  // created or disabled while the batch runs is seen by the next batch, as it would be by an event
  // handled a moment later; a delivery queued for an endpoint disabled meanwhile is cancelled when due.
  const receivers = transactionMemo<string | null, readonly WebhookEndpoint[]>();
  return async (event: CloudEvent<unknown>, { tx, now }: HandlerContext): Promise<void> => {
    const { body, partnerId, sequence } = webhookBodyOf(event);
    const record = { id: event.id, type: event.type, partnerId, subject: event.subject, sequence, occurredAt: new Date(event.time), body };
    let fresh: boolean | undefined;
    const endpoints = await receivers.read(tx, partnerId ?? null, async () => {
      const first = await webhookEventStore.insertReturningReceivers(tx, record, now);
      fresh = first.recorded;
      return first.receivers;
    });
    fresh ??= await webhookEventStore.insert(tx, record, now);
    if (!fresh) return;
    await queueDeliveries(tx, timers, event, { body, partnerId }, endpoints, now);
  };
};

const queueDeliveries = async (
  tx: EntityManager,
  timers: TimerStore,
  event: CloudEvent<unknown>,
  { body, partnerId }: { body: string; partnerId: string | undefined },
  endpoints: readonly WebhookEndpoint[],
  now: Date,
): Promise<void> => {
  const messages = endpoints
    .filter((endpoint) => receivesPartner(endpoint, partnerId) && matchesAny(endpoint.eventTypes, event.type))
    .map((endpoint) => ({ endpointId: endpoint.id, messageId: event.id, eventType: event.type, body, reason: 'event' as const }));
  // Every endpoint's delivery in one statement, ready at commit (issue #15).
  await enqueueDeliveries(tx, timers, messages, now);
};

export const webhookHandlers = (timers: TimerStore): HandlerBinding[] => {
  const handle = queueWebhooks(timers);
  return webhookContracts().map((contract) => ({ contract, handle }));
};
