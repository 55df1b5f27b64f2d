import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { traceCarrierOf, type TraceCarrier } from '@tss/service-kit';
import type { TimerStore } from '@tss/timers';
import { INSERT_READY_TIMER_PARAMS_FROM, webhookDeliveryStore, type DeliveryReason } from '../store/webhook-delivery.store';

/** One timer per delivery, re-targeted for each attempt: it makes the delivery ready for a sender (a retry), or is its watchdog. */
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
  /**
   * The event's subject (its ticket): one endpoint's deliveries of one subject go out in the order
   * they were queued. None (a ping): unordered.
   */
  subject?: string;
  /** The trace the delivery continues; the one active here when not given. */
  trace?: TraceCarrier;
}

/**
 * How long after being queued a delivery's timer first looks at it: the longest watchdog
 * (WEBHOOK_TIMEOUT_MS at most 60 s, plus 1 min). A delivery queued ready needs no timer to be
 * sent; this one only catches a sender that claims it and dies (a fired timer finds an attempt
 * begun less than a watchdog ago alive, and re-arms it for then).
 */
export const QUEUED_WATCHDOG_MS = 120_000;

/** Queues a delivery in the caller's transaction, ready for a sender at commit, in the trace active here (the event's). */
export const enqueueDelivery = async (tx: EntityManager, timers: TimerStore, message: QueuedMessage, now: Date): Promise<string> =>
  (await enqueueDeliveries(tx, timers, [message], now))[0];

/**
 * Queues deliveries ready for a sender (issue #15): one statement writes them, arms their
 * watchdogs and tells the senders at commit, for one event's endpoints or a replay of thousands
 * of events; returns the delivery ids in the messages' order. The messages' order is their place
 * in line: one behind an unfinished delivery of its subject to its endpoint waits, held, until
 * that one ends (docs/adr/0066).
 */
export const enqueueDeliveries = async (tx: EntityManager, timers: TimerStore, messages: readonly QueuedMessage[], now: Date): Promise<string[]> => {
  if (messages.length === 0) return [];
  const active = traceCarrierOf();
  const rows = messages.map((m) => ({ id: randomUUID(), ...m, trace: m.trace ?? active }));
  const watchdogAt = new Date(now.getTime() + QUEUED_WATCHDOG_MS);
  await webhookDeliveryStore.insertReady(tx, rows, now, {
    timers: timers.scheduleAllStatement(rows.map((r) => attemptTimer(r.id, watchdogAt)), INSERT_READY_TIMER_PARAMS_FROM),
    channel: WEBHOOK_READY_CHANNEL,
  });
  return rows.map((r) => r.id);
};

/** Re-targets the delivery's timer (the next attempt, or the watchdog of one in flight). */
export const scheduleAttempt = (tx: EntityManager, timers: TimerStore, deliveryId: string, dueAt: Date): Promise<void> =>
  timers.schedule(tx, { id: attemptTimerId(deliveryId), kind: WEBHOOK_ATTEMPT_TIMER, dueAt, payload: { deliveryId } });

/** The delivery's timer, due at `dueAt` (`scheduleAll` takes many, each with its own time). */
export const attemptTimer = (deliveryId: string, dueAt: Date) => ({ id: attemptTimerId(deliveryId), kind: WEBHOOK_ATTEMPT_TIMER, dueAt, payload: { deliveryId } });
