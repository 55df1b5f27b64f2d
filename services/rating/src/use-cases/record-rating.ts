import type { EntityManager } from 'typeorm';
import { RatingSubmittedV1 } from '@tss/contracts';
import type { PartDeps } from '@tss/runtime';
import { err, ok, type Failure, type Result } from '@tss/service-kit';
import { checkRatable, checkRatingInput, keptComment, type RatingInput, type Survey } from '../domain/survey';
import { qualityFactStore } from '../store/quality-fact.store';
import { ratingStore, type RatingChannel, type RatingEscalation, type StoredRating } from '../store/rating.store';
import { agentOf, ratingTicketStore } from '../store/rating-ticket.store';
import { surveyStore } from '../store/survey.store';

/** What rating's use cases need: callable with the deps any part's `build` receives (the rate page's too). */
export type RatingDeps = Pick<PartDeps, 'unitOfWork' | 'outbox' | 'clock' | 'dataSource'>;

/** A rating as the API and the rate page show it. */
export interface RatingView {
  surveyId: string;
  ticketId: string;
  reference: string;
  score: number;
  solved: boolean;
  comment?: string;
  via: RatingChannel;
  submittedAt: Date;
  /** P11: taken after the ticket had been reopened, so withdrawn: counted nowhere (docs/adr/0040, 2026-12-05). */
  withdrawn?: { at: Date; reopenedAt: Date };
  /** Escalations it led to (issue #13: a low rating or a request for the team leader, raised by escalation). */
  escalations: RatingEscalation[];
}

export const ratingViewOf = (r: StoredRating, reference: string, escalations: readonly RatingEscalation[] = []): RatingView => ({
  surveyId: r.surveyId,
  ticketId: r.ticketId,
  reference,
  score: r.score,
  solved: r.solved,
  ...(r.comment !== undefined ? { comment: r.comment } : {}),
  via: r.via,
  submittedAt: r.submittedAt,
  ...(r.withdrawn ? { withdrawn: r.withdrawn } : {}),
  escalations: [...escalations],
});

/**
 * Records the one rating of a locked survey and publishes `rating.submitted` in the same
 * transaction (intake reopens on `solved: false`, escalation looks at low scores). A rated,
 * superseded or expired survey records nothing. The comment is kept without access particulars (P9).
 */
export const recordRatingIn = async (
  tx: EntityManager,
  deps: Pick<RatingDeps, 'outbox' | 'clock'>,
  survey: Survey,
  input: RatingInput,
  by: { via: RatingChannel; ratedBy: string },
): Promise<Result<RatingView, Failure>> => {
  const now = deps.clock.now();
  const checkedInput = checkRatingInput(input);
  if (!checkedInput.ok) return checkedInput;
  const ratable = checkRatable(survey, now);
  if (!ratable.ok) return ratable;
  const ticket = await ratingTicketStore.find(tx, survey.ticketId);
  if (!ticket) throw new Error(`survey ${survey.id} names ticket ${survey.ticketId}, unknown here`);
  const { score, solved } = checkedInput.value;
  // P9: kept, answered and published without access particulars; those of a "not solved" comment reach intake's vault in transit.
  const { comment, inTransit } = keptComment(checkedInput.value);
  const rating: StoredRating = { surveyId: survey.id, ticketId: survey.ticketId, partnerId: survey.partnerId, score, solved, ...(comment ? { comment } : {}), ...by, submittedAt: now };
  // The survey row is locked, so this only fails on a bug; the key still keeps one rating per survey.
  if (!(await ratingStore.insert(tx, rating))) return err({ kind: 'conflict', detail: 'This survey has already been answered; a survey takes one rating.' });
  await surveyStore.markRated(tx, survey.id);
  await qualityFactStore.add(tx, {
    id: `rating:${survey.id}`,
    kind: 'rating',
    ticketId: ticket.ticketId,
    partnerId: ticket.partnerId,
    agentId: agentOf(ticket),
    level: ticket.level,
    product: ticket.product,
    at: now,
    score,
    solved,
  });
  await deps.outbox.add(tx, RatingSubmittedV1, survey.ticketId, {
    partnerId: survey.partnerId,
    surveyId: survey.id,
    score,
    solved,
    ...(comment ? { comment } : {}),
    ...(inTransit ? { inTransit } : {}),
    submittedAt: now.toISOString(),
  });
  return ok(ratingViewOf(rating, ticket.reference));
};
