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
    comment: Type.Optional(Type.String({ maxLength: 4000 })),
    submittedAt: Instant,
  }),
  'P11: a rating; `solved: false` asks intake to reopen.',
);
