import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { traceCarrierOf } from '@tss/service-kit';
import type { TimerStore } from '@tss/timers';
import { webhookDeliveryStore, type DeliveryReason } from '../store/webhook-delivery.store';

/** One timer per delivery, re-targeted for each attempt: it makes the delivery ready for a sender. */
export const WEBHOOK_ATTEMPT_TIMER = 'webhook.attempt';
export const ATTEMPT_TIMER_ID_PREFIX = 'webhook:';
export const attemptTimerId = (deliveryId: string): string => `${ATTEMPT_TIMER_ID_PREFIX}${deliveryId}`;
/** NOTIFY channel: a delivery became ready (sent by PostgreSQL at commit, so senders never look too early). */
export const WEBHOOK_READY_CHANNEL = 'notification_webhook_ready';

export interface QueuedMessage {
  endpointId: string;
  messageId: string;
  eventType: string;
  body: string;
  reason: DeliveryReason;
}

/** Queues a delivery in the caller's transaction; its first attempt is due now, in the trace active here (the event's). */
export const enqueueDelivery = async (tx: EntityManager, timers: TimerStore, message: QueuedMessage, now: Date): Promise<string> => {
  const id = randomUUID();
  await webhookDeliveryStore.insert(tx, { id, ...message, createdAt: now, trace: traceCarrierOf() });
  await timers.schedule(tx, { id: attemptTimerId(id), kind: WEBHOOK_ATTEMPT_TIMER, dueAt: now, payload: { deliveryId: id } });
  return id;
};

/**
 * `enqueueDelivery` for many messages in one transaction with two statements (a
 * replay of thousands of events); returns the delivery ids in the messages' order.
 */
export const enqueueDeliveries = async (tx: EntityManager, timers: TimerStore, messages: readonly QueuedMessage[], now: Date): Promise<string[]> => {
  if (messages.length === 0) return [];
  const trace = traceCarrierOf();
  const rows = messages.map((m) => ({ id: randomUUID(), ...m, trace }));
  await webhookDeliveryStore.insertAll(tx, rows, now);
  await timers.scheduleAll(tx, rows.map((r) => ({ id: attemptTimerId(r.id), kind: WEBHOOK_ATTEMPT_TIMER, dueAt: now, payload: { deliveryId: r.id } })));
  return rows.map((r) => r.id);
};

/** Re-targets the delivery's timer (the next attempt, or the watchdog of one in flight). */
export const scheduleAttempt = (tx: EntityManager, timers: TimerStore, deliveryId: string, dueAt: Date): Promise<void> =>
  timers.schedule(tx, { id: attemptTimerId(deliveryId), kind: WEBHOOK_ATTEMPT_TIMER, dueAt, payload: { deliveryId } });

/** The delivery's timer, due at `dueAt` (`scheduleAll` takes many, each with its own time). */
export const attemptTimer = (deliveryId: string, dueAt: Date) => ({ id: attemptTimerId(deliveryId), kind: WEBHOOK_ATTEMPT_TIMER, dueAt, payload: { deliveryId } });
