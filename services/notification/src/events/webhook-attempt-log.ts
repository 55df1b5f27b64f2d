import type { Logger } from 'pino';
import type { ClaimedDelivery } from '../store/webhook-delivery.store';
import type { AttemptRecord, SendOutcome } from '../use-cases/record-webhook-attempt';

/**
 * The receiver's host alone: an endpoint URL may carry a token in its path or query (userinfo is
 * refused at creation), and none of it belongs in a log line.
 */
const hostOf = (url: string): string | undefined => {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
};

/**
 * One line per failed attempt, as docs/operations.md's webhook runbook promises: warn while the
 * delivery retries or gives up, error when its endpoint is disabled. Ids, the attempt, the status
 * or the kind of network failure, the next attempt: never the body, the signature or the URL's
 * path and query.
 */
export const logFailedAttempt = (logger: Logger, claimed: ClaimedDelivery, url: string, outcome: SendOutcome, record: AttemptRecord): void => {
  if (record.became === 'succeeded' || record.became === 'claim_lost' || !record.delivery) return;
  const { delivery } = record;
  const line = {
    endpointId: claimed.endpointId,
    host: hostOf(url),
    deliveryId: claimed.id,
    ...(delivery.partnerId ? { partnerId: delivery.partnerId } : {}),
    eventId: delivery.messageId,
    eventType: delivery.eventType,
    reason: delivery.reason,
    attempt: delivery.attempt,
    ...(outcome.statusCode !== undefined ? { statusCode: outcome.statusCode } : {}),
    errorKind: outcome.errorKind ?? (outcome.statusCode !== undefined ? 'status' : 'network'),
    ...(outcome.statusCode === undefined && outcome.error ? { error: outcome.error } : {}),
    ...(outcome.errorDetail ? { errorDetail: outcome.errorDetail } : {}),
    latencyMs: Math.round(outcome.latencyMs),
    result: record.became,
    ...(delivery.nextAttemptAt ? { nextAttemptAt: delivery.nextAttemptAt.toISOString() } : {}),
  };
  if (record.became === 'disabled') {
    logger.error({ ...line, disabledReason: delivery.disabledReason }, 'webhook endpoint disabled: every attempt failed for 5 days; its queued deliveries are cancelled');
  } else if (record.became === 'retrying') {
    logger.warn(line, 'webhook attempt failed; will retry');
  } else {
    logger.warn(line, delivery.reason === 'ping' ? 'webhook ping failed' : 'webhook attempt failed; attempts spent, the delivery failed');
  }
};
