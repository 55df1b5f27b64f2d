import type { ClaimedDelivery } from '../store/webhook-delivery.store';
import { succeeded, type SendOutcome } from './record-webhook-attempt';
import { UnrecordedResults, type UnrecordedResultsDeps } from './unrecorded-results';

/** A webhook attempt its endpoint answered (or that failed), with what its record needs. */
export interface AnsweredWebhookAttempt {
  /** The claim: its token fences the record (a claim taken back meanwhile records nothing). */
  claimed: ClaimedDelivery;
  url: string;
  outcome: SendOutcome;
  /** When the attempt ended: a success's `completed_at`, and where a failure's retry delay counts from. */
  answeredAt: Date;
}

/** One the database did not take, kept until it does; `done` says whether it was recorded (false: claim lost, or given up). */
export interface UnrecordedWebhookResult extends AnsweredWebhookAttempt {
  done: (recorded: boolean) => void;
}

const outcomeOf = (result: AnsweredWebhookAttempt): 'succeeded' | 'failed' => (succeeded(result.outcome) ? 'succeeded' : 'failed');

/**
 * Webhook results the database did not take (a pool out of connections for a moment, an outage),
 * kept in memory and recorded once it answers, instead of left in flight for their watchdogs: a
 * success the receiver got is not sent again, and its ticket's next delivery does not wait minutes
 * behind it (docs/adr/0043, addendum of 2026-12-05, fourth session).
 */
export class UnrecordedWebhookResults extends UnrecordedResults<UnrecordedWebhookResult> {
  constructor(deps: Omit<UnrecordedResultsDeps<UnrecordedWebhookResult>, 'log'>) {
    super({
      ...deps,
      log: {
        key: 'deliveries',
        fieldsOf: (r) => ({ deliveryId: r.claimed.id, messageId: r.claimed.messageId, outcome: outcomeOf(r), ...(r.outcome.statusCode !== undefined ? { statusCode: r.outcome.statusCode } : {}) }),
        kept: 'webhook result not recorded: the database did not answer; kept in memory and recorded once it answers',
        recorded: 'webhook results recorded once the database answered again',
        recordedFieldsOf: (recorded) => ({ succeeded: recorded.filter((r) => outcomeOf(r) === 'succeeded').length }),
        stillNotRecorded: 'webhook results still not recorded: the database does not answer yet',
        lostAtStop:
          'webhook results not recorded when the dispatcher stopped (the database did not answer): their deliveries are sent again once another instance takes their claims back, or by their watchdogs; those the receiver answered with a 2xx ("succeeded") may arrive twice (same webhook-id)',
        lostFieldsOf: (lost) => ({ mayArriveTwice: lost.filter((r) => outcomeOf(r) === 'succeeded').length }),
      },
    });
  }
}
