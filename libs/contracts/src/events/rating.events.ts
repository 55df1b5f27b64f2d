import { Type } from '@sinclair/typebox';
import { defineEvent } from '../event-contract';
import { Instant, Uuid } from '../domain-values';

export const RatingRequestedV1 = defineEvent(
  'rating.requested',
  1,
  'rating',
  Type.Object({
    partnerId: Uuid,
    surveyId: Uuid,
    rateUrl: Type.String(),
    expiresAt: Instant,
    /** The `sequence` of the `ticket.resolved` that asked for it: notification queues its webhooks after that event's (docs/adr/0066). Added 2026-12-05 (optional). */
    ticketSequence: Type.Optional(Type.Integer({ minimum: 1 })),
  }),
  'P11: the requester is invited to rate the support received.',
);
export const RatingSubmittedV1 = defineEvent(
  'rating.submitted',
  1,
  'rating',
  Type.Object({
    partnerId: Uuid,
    surveyId: Uuid,
    score: Type.Integer({ minimum: 1, maximum: 5 }),
    solved: Type.Boolean(),
    /** P9: with any access particulars cut out (`[access particulars removed]`), as rating keeps it. */
    comment: Type.Optional(Type.String({ maxLength: 4000 })),
    /**
     * P9: the comment as written, present only when it held access particulars and the rating is
     * "not solved" (intake vaults them as it reopens the ticket). In transit only (`IN_TRANSIT_FIELD`,
     * docs/adr/0070): removed from the outbox once published and from the in-process log once
     * consumed; never in a webhook. Added 2026-12-04 (optional, docs/adr/0004: not breaking).
     */
    inTransit: Type.Optional(Type.Object({ comment: Type.String({ maxLength: 4000 }) })),
    submittedAt: Instant,
  }),
  'P11: a rating; `solved: false` asks intake to reopen.',
);
export const RatingWithdrawnV1 = defineEvent(
  'rating.withdrawn',
  1,
  'rating',
  Type.Object({
    partnerId: Uuid,
    surveyId: Uuid,
    /**
     * `reopened_before_rating`: the rating was taken after the ticket had been reopened (rating had
     * not read the reopening yet), so it rated a resolution that no longer stood. Added 2026-12-05
     * (a new type, docs/adr/0004: not breaking).
     */
    reason: Type.Literal('reopened_before_rating'),
    /** The reopening the rating came after. */
    reopenedAt: Instant,
    withdrawnAt: Instant,
    /** The `sequence` of that `ticket.reopened`: notification queues its webhooks after that event's (docs/adr/0066). */
    ticketSequence: Type.Optional(Type.Integer({ minimum: 1 })),
  }),
  'P11: a rating taken after its ticket had been reopened is withdrawn: it counts nowhere, and the low-rating escalation it raised is resolved.',
);
