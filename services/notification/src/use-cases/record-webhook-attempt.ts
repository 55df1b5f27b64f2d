import type { EntityManager } from 'typeorm';
import type { Outbox } from '@tss/messaging';
import type { TimerStore } from '@tss/timers';
import { NotificationWebhookEndpointDisabledV1 } from '@tss/contracts';
import { nextRetryDelayMs, shouldDisable } from '../domain/webhook-schedule';
import { webhookDeliveryStore, type ClaimedDelivery, type Queryable, type WebhookDelivery } from '../store/webhook-delivery.store';
import { webhookEndpointStore } from '../store/webhook-endpoint.store';
import { ATTEMPT_TIMER_ID_PREFIX, attemptTimerId, scheduleAttempt, WEBHOOK_READY_CHANNEL } from './webhook-queue';
import { queueEndpointDisabledMail, type OwnerMailDeps } from './webhook-owner-mail';

export interface SendOutcome {
  /** The receiver's status, when it answered. */
  statusCode?: number;
  retryAfterMs?: number;
  latencyMs: number;
  /** Why the attempt failed without a 2xx: a status, a timeout, a refused address. */
  error?: string;
  /** What the server logs beside `error` and never stores: the address a refused host resolved to, the resolver's error. */
  errorDetail?: string;
  /** What kind of failure `error` is: the receiver's status, no answer in time, an address refused before connecting, the network. */
  errorKind?: 'status' | 'timeout' | 'refused' | 'network';
}

export const succeeded = (outcome: SendOutcome): boolean => outcome.statusCode !== undefined && outcome.statusCode >= 200 && outcome.statusCode < 300;

/** What became of the delivery after this attempt. */
export const ATTEMPT_RESULTS = ['succeeded', 'retrying', 'failed', 'disabled', 'claim_lost'] as const;
export type AttemptRecorded = (typeof ATTEMPT_RESULTS)[number];

/** What became of the delivery, with what an operator needs to find it (absent for a lost claim). */
export interface AttemptRecord {
  became: AttemptRecorded;
  delivery?: {
    eventType: string;
    /** The event's id (the `webhook-id`). */
    messageId: string;
    reason: WebhookDelivery['reason'];
    /** This attempt's number, manual retries' included. */
    attempt: number;
    partnerId?: string;
    /** When it is tried again (`retrying`). */
    nextAttemptAt?: Date;
    /** Why its endpoint was disabled (`disabled`). */
    disabledReason?: string;
  };
}

export interface RecordDeps {
  timers: TimerStore;
  outbox: Outbox;
  /** Issue #11: the disabled endpoint's owner is told by mail (absent: the event alone). */
  ownerMail?: OwnerMailDeps;
}

/**
 * Records one attempt in its own transaction, after the HTTP call (never across it): success ends
 * the delivery; a failure schedules the next attempt on the retry schedule, or gives up after the
 * last; an endpoint whose every attempt failed for 5 days is disabled. A claim the watchdog took
 * back meanwhile (this sender was presumed dead) records nothing: the new attempt will.
 * Returns what became of it, with the delivery's particulars for the sender's log.
 */
export const recordWebhookAttempt = async (
  tx: EntityManager,
  deps: RecordDeps,
  claimed: ClaimedDelivery,
  outcome: SendOutcome,
  now: Date,
  random: number,
): Promise<AttemptRecord> => {
  const delivery = await webhookDeliveryStore.lockClaimed(tx, claimed.id, claimed.claimToken);
  if (!delivery) return { became: 'claim_lost' };
  const endpoint = await webhookEndpointStore.find(tx, delivery.endpointId, 'all', true);
  const particulars = {
    eventType: delivery.eventType,
    messageId: delivery.messageId,
    reason: delivery.reason,
    attempt: delivery.attempts,
    ...(endpoint?.partnerId ? { partnerId: endpoint.partnerId } : {}),
  };
  const result = { statusCode: outcome.statusCode ?? null, latencyMs: Math.round(outcome.latencyMs), error: outcome.error ?? null };
  if (succeeded(outcome)) {
    await webhookDeliveryStore.recordAttempt(tx, delivery.id, result, { status: 'succeeded', nextAttemptAt: null, completedAt: now });
    await deps.timers.cancel(tx, attemptTimerId(delivery.id));
    await webhookDeliveryStore.releaseNext(tx, delivery.id, now, WEBHOOK_READY_CHANNEL);
    if (endpoint?.failingSince && delivery.reason !== 'ping') await webhookEndpointStore.update(tx, { ...endpoint, failingSince: null, updatedAt: now });
    return { became: 'succeeded', delivery: particulars };
  }
  // A ping is one attempt: it tests the endpoint, it does not queue.
  // Counted in this round: a manual retry starts a fresh one, its attempts counting on.
  const delayMs = delivery.reason === 'ping' ? undefined : nextRetryDelayMs(delivery.attempts - delivery.roundStartAttempts, outcome, random);
  const nextAttemptAt = delayMs === undefined ? undefined : new Date(now.getTime() + delayMs);
  if (nextAttemptAt === undefined) {
    await webhookDeliveryStore.recordAttempt(tx, delivery.id, result, { status: 'failed', nextAttemptAt: null, completedAt: now });
    await deps.timers.cancel(tx, attemptTimerId(delivery.id));
    // Its ticket's next delivery to this endpoint waited for it to end, not for it to succeed (docs/adr/0066).
    await webhookDeliveryStore.releaseNext(tx, delivery.id, now, WEBHOOK_READY_CHANNEL);
  } else {
    await webhookDeliveryStore.recordAttempt(tx, delivery.id, result, { status: 'pending', nextAttemptAt, completedAt: null });
    await scheduleAttempt(tx, deps.timers, delivery.id, nextAttemptAt);
  }
  const record: AttemptRecord = nextAttemptAt === undefined ? { became: 'failed', delivery: particulars } : { became: 'retrying', delivery: { ...particulars, nextAttemptAt } };
  if (!endpoint || delivery.reason === 'ping') return record;
  const failingSince = endpoint.failingSince ?? delivery.lastAttemptAt ?? now;
  if (endpoint.status === 'enabled' && shouldDisable(failingSince, now)) {
    const reason = `every attempt failed since ${failingSince.toISOString()}; last: ${outcome.error ?? 'no answer'}`;
    await webhookEndpointStore.update(tx, { ...endpoint, failingSince, status: 'disabled', disabledAt: now, disabledReason: reason, updatedAt: now });
    for (const id of await webhookDeliveryStore.cancelQueued(tx, endpoint.id, now)) await deps.timers.cancel(tx, attemptTimerId(id));
    await deps.outbox.add(tx, NotificationWebhookEndpointDisabledV1, endpoint.id, {
      endpointId: endpoint.id,
      ...(endpoint.partnerId ? { partnerId: endpoint.partnerId } : {}),
      ownerKind: endpoint.ownerKind,
      createdBy: endpoint.createdBy,
      url: endpoint.url,
      failingSince: failingSince.toISOString(),
      reason,
      disabledAt: now.toISOString(),
    });
    if (deps.ownerMail) await queueEndpointDisabledMail(tx, deps.ownerMail, endpoint, { failingSince, reason, disabledAt: now });
    return { became: 'disabled', delivery: { ...particulars, disabledReason: reason } };
  }
  if (!endpoint.failingSince) await webhookEndpointStore.update(tx, { ...endpoint, failingSince, updatedAt: now });
  return record;
};

/**
 * Successful attempts of many deliveries recorded in one statement (issue #15); the same effects
 * as `recordWebhookAttempt` for each: the delivery succeeded, its timer is cancelled, its
 * endpoint's failing streak ends (not for a ping), its ticket's next delivery is released. A claim the watchdog took back meanwhile
 * records nothing. `db` may be the data source: the statement is atomic on its own and writes no
 * event, so it needs neither a transaction nor the outbox relay's attention. Each success is
 * completed when its receiver answered (`answeredAt`, default `now`). Returns the ids recorded.
 */
export const recordWebhookSuccesses = async (
  db: Queryable,
  deps: Pick<RecordDeps, 'timers'>,
  attempts: readonly { claimed: ClaimedDelivery; outcome: SendOutcome; answeredAt?: Date }[],
  now: Date,
): Promise<Set<string>> =>
  new Set(
    await webhookDeliveryStore.recordSuccesses(
      db,
      attempts.map(({ claimed, outcome, answeredAt }) => ({ id: claimed.id, claimToken: claimed.claimToken, statusCode: outcome.statusCode ?? 200, latencyMs: outcome.latencyMs, completedAt: answeredAt })),
      now,
      { schema: deps.timers.schema, idPrefix: ATTEMPT_TIMER_ID_PREFIX },
      WEBHOOK_READY_CHANNEL,
    ),
  );
