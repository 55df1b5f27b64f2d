import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { RatingRequestedV1 } from '@tss/contracts';
import type { Outbox } from '@tss/messaging';
import { newSurveyToken, rateUrlOf, surveyTokenHash } from '../domain/survey-token';
import type { Survey } from '../domain/survey';
import { qualityFactStore } from '../store/quality-fact.store';
import { agentOf, type RatingTicket } from '../store/rating-ticket.store';
import { surveyStore } from '../store/survey.store';

export interface SurveySettings {
  /** RATING_LINK_TTL_MS: how long a rating link opens. */
  linkTtlMs: number;
  /** TSS_PUBLIC_URL: the gateway's address as requesters open it. */
  publicUrl: string;
}

/**
 * P11, on `ticket.resolved`: a survey with a fresh single-use link, and `rating.requested` with
 * its URL in the same transaction (notification puts it in the resolved mail, webhooks carry it).
 * An unrated survey of an earlier resolution is superseded: one live link per ticket.
 */
export const requestSurveyIn = async (
  tx: EntityManager,
  deps: { outbox: Outbox; settings: SurveySettings },
  ticket: RatingTicket,
  input: { resolvedAt: Date; now: Date; ticketSequence: number },
): Promise<Survey> => {
  await surveyStore.supersedeOpen(tx, ticket.ticketId, input.now);
  const token = newSurveyToken(randomBytes);
  const survey: Survey = {
    id: randomUUID(),
    ticketId: ticket.ticketId,
    partnerId: ticket.partnerId,
    status: 'open',
    resolvedAt: input.resolvedAt,
    createdAt: input.now,
    expiresAt: new Date(input.now.getTime() + deps.settings.linkTtlMs),
  };
  await surveyStore.insert(tx, survey, surveyTokenHash(token));
  await qualityFactStore.add(tx, {
    id: `survey:${survey.id}`,
    kind: 'survey',
    ticketId: ticket.ticketId,
    partnerId: ticket.partnerId,
    agentId: agentOf(ticket),
    level: ticket.level,
    product: ticket.product,
    at: input.resolvedAt,
  });
  await deps.outbox.add(tx, RatingRequestedV1, ticket.ticketId, {
    partnerId: ticket.partnerId,
    surveyId: survey.id,
    rateUrl: rateUrlOf(deps.settings.publicUrl, token),
    expiresAt: survey.expiresAt.toISOString(),
    ticketSequence: input.ticketSequence,
  });
  return survey;
};
