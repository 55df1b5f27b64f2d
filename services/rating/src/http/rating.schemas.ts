import { Type, type Static } from '@sinclair/typebox';
import { EscalationKind, StringEnum, Text } from '@tss/contracts';
import type { SurveyView } from '../use-cases/rate-by-token';
import type { RatingView } from '../use-cases/record-rating';
import type { TicketRatingView } from '../use-cases/rate-ticket';

const EXAMPLE_TICKET_ID = '3f1c2a9e-6b0d-4c7e-9a51-2d8e4b6f7c10';

export const RatingBody = Type.Object(
  {
    score: Type.Integer({ minimum: 1, maximum: 5, description: 'P11: 1 (very dissatisfied) to 5 (very satisfied)' }),
    solved: Type.Boolean({ description: 'Was your problem solved? `false` reopens the ticket, or after the reopen window opens a linked new one (P11)' }),
    comment: Type.Optional(Text({ minLength: 0, maxLength: 4_000, description: 'Optional; asking for the team leader here escalates (P7)' })),
  },
  {
    additionalProperties: false,
    examples: [
      { score: 5, solved: true, comment: 'Fixed within the hour, thank you.' },
      { score: 2, solved: false, comment: 'The reader still crashes on EPUB 3 files.' },
    ],
  },
);
export type RatingBody = Static<typeof RatingBody>;

const EscalationView = Type.Object({
  escalationId: Type.String({ format: 'uuid' }),
  kind: EscalationKind,
  targetRole: Type.String(),
  raisedAt: Type.String({ format: 'date-time' }),
});

export const RatingResponse = Type.Object(
  {
    surveyId: Type.String({ format: 'uuid' }),
    ticketId: Type.String({ format: 'uuid' }),
    reference: Type.String(),
    score: Type.Integer({ minimum: 1, maximum: 5 }),
    solved: Type.Boolean(),
    comment: Type.Optional(Type.String()),
    via: StringEnum(['link', 'api'] as const, { description: 'The public link (or the rate page), or the API with a partner or requester token' }),
    submittedAt: Type.String({ format: 'date-time' }),
    withdrawn: Type.Optional(
      Type.Object(
        {
          withdrawnAt: Type.String({ format: 'date-time' }),
          reopenedAt: Type.String({ format: 'date-time', description: 'The reopening the rating came after' }),
        },
        {
          description:
            'P11: the ticket had been reopened a moment before this rating was taken, so it rated a resolution that no longer stood: it counts in no report, its low-rating escalation is resolved, and the next resolution sends a new survey (`rating.withdrawn`)',
        },
      ),
    ),
    escalated: Type.Boolean({ description: 'The rating led to an escalation (a low score, or the team leader asked for)' }),
    escalations: Type.Array(EscalationView),
  },
  { $id: 'Rating' },
);

export const TicketRatingResponse = Type.Object({
  ticketId: Type.String({ format: 'uuid' }),
  reference: Type.String(),
  survey: Type.Optional(
    Type.Object({
      surveyId: Type.String({ format: 'uuid' }),
      state: StringEnum(['open', 'rated', 'superseded', 'withdrawn', 'expired'] as const, {
        description: '`withdrawn`: the ticket was reopened before this survey was answered; it takes a rating once resolved again (a new survey then)',
      }),
      sentAt: Type.String({ format: 'date-time' }),
      expiresAt: Type.String({ format: 'date-time' }),
    }, { description: "The survey of the ticket's latest resolution" }),
  ),
  rating: Type.Optional(Type.Ref('Rating')),
  earlier: Type.Array(Type.Ref('Rating'), { description: 'Ratings of earlier resolutions (before a reopen), newest first' }),
});

export const SurveyResponse = Type.Object({
  surveyId: Type.String({ format: 'uuid' }),
  ticketId: Type.String({ format: 'uuid' }),
  reference: Type.String(),
  subject: Type.Optional(Type.String()),
  language: StringEnum(['en', 'ru'] as const),
  expiresAt: Type.String({ format: 'date-time' }),
  rated: Type.Boolean({ description: 'Answered already: a rating now is a 409' }),
  reopened: Type.Boolean({ description: 'P11: the ticket was reopened since this link was sent and is not resolved: a rating now is a 409; its next resolution sends a new link' }),
});

export const toSurveyResponse = (v: SurveyView) => ({
  surveyId: v.surveyId,
  ticketId: v.ticketId,
  reference: v.reference,
  ...(v.subject !== undefined ? { subject: v.subject } : {}),
  language: v.language,
  expiresAt: v.expiresAt.toISOString(),
  rated: v.rated,
  reopened: v.reopened,
});

export const TicketParams = Type.Object({
  id: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'The ticket id (uuid) or its reference number (TSS-XXXXX-XXXXC, any case, dashes optional)',
    examples: [EXAMPLE_TICKET_ID, 'TSS-K7QM2-ZC4XD'],
  }),
});

export const TokenParams = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 200, description: 'The token of the rating link sent on resolution (`rating.requested`)' }),
});

export const toRatingResponse = (v: RatingView) => ({
  surveyId: v.surveyId,
  ticketId: v.ticketId,
  reference: v.reference,
  score: v.score,
  solved: v.solved,
  ...(v.comment !== undefined ? { comment: v.comment } : {}),
  via: v.via,
  submittedAt: v.submittedAt.toISOString(),
  ...(v.withdrawn ? { withdrawn: { withdrawnAt: v.withdrawn.at.toISOString(), reopenedAt: v.withdrawn.reopenedAt.toISOString() } } : {}),
  escalated: v.escalations.length > 0,
  escalations: v.escalations.map((e) => ({ escalationId: e.escalationId, kind: e.kind as EscalationKind, targetRole: e.targetRole, raisedAt: e.raisedAt.toISOString() })),
});

export const toTicketRatingResponse = (v: TicketRatingView) => ({
  ticketId: v.ticketId,
  reference: v.reference,
  ...(v.survey ? { survey: { surveyId: v.survey.surveyId, state: v.survey.state, sentAt: v.survey.sentAt.toISOString(), expiresAt: v.survey.expiresAt.toISOString() } } : {}),
  ...(v.rating ? { rating: toRatingResponse(v.rating) } : {}),
  earlier: v.earlier.map(toRatingResponse),
});
