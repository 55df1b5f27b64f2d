import { Type } from '@sinclair/typebox';
import { defineEvent } from '../event-contract';
import { Instant, Uuid } from '../domain-values';

export const RatingRequestedV1 = defineEvent(
  'rating.requested',
  1,
  'rating',
  Type.Object({ partnerId: Uuid, surveyId: Uuid, rateUrl: Type.String(), expiresAt: Instant }),
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
