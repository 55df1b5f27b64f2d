import type { EntityManager } from 'typeorm';
import type { FiredTimer, TimerStore } from '@tss/timers';
import type { Clock } from '@tss/service-kit';
import { webhookDeliveryStore } from '../store/webhook-delivery.store';
import { scheduleAttempt, WEBHOOK_READY_CHANNEL } from '../use-cases/webhook-queue';

/**
 * An attempt is due (or an attempt in flight outlived its watchdog): the delivery becomes ready and
 * the senders are told at commit (NOTIFY is sent when the transaction commits). The timer is
 * re-armed as the watchdog, so a delivery nobody records is made ready again.
 */
export const onWebhookAttemptDue = (deps: { timers: TimerStore; clock: Clock; watchdogMs: number }) => async (timer: FiredTimer, tx: EntityManager): Promise<void> => {
  const deliveryId = (timer.payload as { deliveryId?: unknown } | null)?.deliveryId;
  if (typeof deliveryId !== 'string') return;
  const now = deps.clock.now();
  if (!(await webhookDeliveryStore.markReady(tx, deliveryId, now))) return;
  await scheduleAttempt(tx, deps.timers, deliveryId, new Date(now.getTime() + deps.watchdogMs));
  await tx.query(`SELECT pg_notify($1, '')`, [WEBHOOK_READY_CHANNEL]);
};
