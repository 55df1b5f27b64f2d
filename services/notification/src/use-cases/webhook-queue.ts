import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { traceCarrierOf } from '@tss/service-kit';
import { timersChannel, type TimerStore } from '@tss/timers';
import { webhookDeliveryStore, type DeliveryReason } from '../store/webhook-delivery.store';

/** One timer per delivery, re-targeted for each attempt: it makes the delivery ready for a sender. */
export const WEBHOOK_ATTEMPT_TIMER = 'webhook.attempt';
export const attemptTimerId = (deliveryId: string): string => `webhook:${deliveryId}`;
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
  // Wake the timer worker at commit, as a queued mail does (mail-queue.ts): the timers' trigger can miss a timer due now.
  await tx.query('SELECT pg_notify($1, $2)', [timersChannel(timers.schema), 'webhook']);
  return id;
};

/** Re-targets the delivery's timer (the next attempt, or the watchdog of one in flight). */
export const scheduleAttempt = (tx: EntityManager, timers: TimerStore, deliveryId: string, dueAt: Date): Promise<void> =>
  timers.schedule(tx, { id: attemptTimerId(deliveryId), kind: WEBHOOK_ATTEMPT_TIMER, dueAt, payload: { deliveryId } });
