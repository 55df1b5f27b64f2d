import type { EntityManager } from 'typeorm';
import { RatingWithdrawnV1 } from '@tss/contracts';
import type { Outbox } from '@tss/messaging';
import { ratingMissedReopening, withdrawalInstant, type Reopening } from '../domain/survey';
import { qualityFactStore } from '../store/quality-fact.store';
import type { RatingTicket } from '../store/rating-ticket.store';
import { ratingStore } from '../store/rating.store';
import { surveyStore } from '../store/survey.store';

/**
 * On `ticket.reopened` (the ticket's row locked): the latest survey's rating, if it was taken after
 * this reopening, is withdrawn. The survey is withdrawn as an unrated one would have been (its link
 * refuses a rating; the next resolution sends a new one), the report stops counting the rating, and
 * `rating.withdrawn` tells escalation (its low-rating escalation is resolved) and subscribers.
 * True when it withdrew one; a redelivered reopening finds it withdrawn and does nothing.
 */
export const withdrawRatingAfterReopeningIn = async (tx: EntityManager, deps: { outbox: Outbox }, ticket: RatingTicket, reopening: Reopening, now: Date): Promise<boolean> => {
  const survey = await surveyStore.latestForTicket(tx, ticket.ticketId, true);
  if (survey?.status !== 'rated') return false;
  const rating = await ratingStore.forSurvey(tx, survey.id);
  if (!rating || rating.withdrawn || !ratingMissedReopening(rating, reopening)) return false;
  const withdrawnAt = withdrawalInstant(rating, now);
  if (!(await ratingStore.withdraw(tx, survey.id, { at: withdrawnAt, reopenedAt: reopening.reopenedAt }))) return false;
  await surveyStore.withdrawRated(tx, survey.id, reopening.reopenedAt);
  await qualityFactStore.remove(tx, `rating:${survey.id}`);
  await deps.outbox.add(tx, RatingWithdrawnV1, ticket.ticketId, {
    partnerId: ticket.partnerId,
    surveyId: survey.id,
    reason: 'reopened_before_rating',
    reopenedAt: reopening.reopenedAt.toISOString(),
    withdrawnAt: withdrawnAt.toISOString(),
    ...(reopening.ticketSequence !== undefined ? { ticketSequence: reopening.ticketSequence } : {}),
  });
  return true;
};
