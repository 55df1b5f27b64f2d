import { inSnapshot } from '@tss/persistence';
import { err, ok, type Failure, type PartnerScope, type RequesterScope, type Result } from '@tss/service-kit';
import { checkSurveyOpen, TICKET_NOT_RESOLVED, type RatingInput, type Survey } from '../domain/survey';
import { ratingStore } from '../store/rating.store';
import { surveyStore } from '../store/survey.store';
import type { EntityManager } from 'typeorm';
import type { RatingTicket } from '../store/rating-ticket.store';
import { findRatedTicket } from './find-rated-ticket';
import { recordRatingIn, ratingViewOf, type RatingDeps, type RatingView } from './record-rating';

/**
 * Not resolved as far as rating knows: no resolution yet, or a reopening withdrew the last survey.
 * rating learns of a resolution from `ticket.resolved`, so intake may have the ticket resolved
 * already: `unresolved_ticket` is the 409 marked for the gateway, which asks intake and answers a
 * 503 to retry if so (docs/adr/0068, addendum of 2026-12-05).
 */
const NO_SURVEY_YET: Failure = { kind: 'unresolved_ticket', detail: 'The ticket has not been resolved: there is no survey to answer yet.' };
const SURVEY_WITHDRAWN: Failure = { ...TICKET_NOT_RESOLVED, kind: 'unresolved_ticket' };

/**
 * The ticket a partner, or its requester, may rate, from rating's projection (`findRatedTicket`),
 * before anything is recorded: the refusals `rateTicket` answers first.
 */
export const ticketToRate = async (tx: EntityManager, scope: PartnerScope | RequesterScope, idOrReference: string): Promise<Result<RatingTicket, Failure>> => {
  // P11: the rating is the requester's. The support site acting for a link a staff member minted is
  // that staff member, who is measured by the report (docs/adr/0040, addendum of 2026-12-04, fifth session).
  if (scope.kind === 'requester' && scope.mintedBy?.kind === 'staff') {
    return err({ kind: 'forbidden', detail: "A support-site link minted by staff cannot rate: the rating is the requester's own (their mailed link, or their partner)." });
  }
  return findRatedTicket(tx, scope, idOrReference);
};

/**
 * `POST /v1/tickets/{id}/rating`: the partner, or the ticket's requester, rates the survey of the
 * ticket's latest resolution, under the same rules as the link (one rating, until it expires, and
 * none while a reopening has withdrawn it: the ticket is not resolved, P11).
 */
export const rateTicket = async (deps: RatingDeps, scope: PartnerScope | RequesterScope, idOrReference: string, input: RatingInput): Promise<Result<RatingView, Failure>> =>
  deps.unitOfWork.run(async (tx) => {
    const found = await ticketToRate(tx, scope, idOrReference);
    if (!found.ok) return found;
    const survey = await surveyStore.latestForTicket(tx, found.value.ticketId, true);
    if (!survey) return err(NO_SURVEY_YET);
    if (survey.status === 'withdrawn') return err(SURVEY_WITHDRAWN);
    const ratedBy = scope.kind === 'partner' ? `partner:${scope.partnerId}` : `requester:${scope.requesterId}`;
    return recordRatingIn(tx, deps, survey, input, { via: 'api', ratedBy });
  });

export type SurveyState = 'open' | 'rated' | 'superseded' | 'withdrawn' | 'expired';

/** What `GET /v1/tickets/{id}/rating` shows: the latest survey, its rating and what it led to, and earlier ratings. */
export interface TicketRatingView {
  ticketId: string;
  reference: string;
  survey?: { surveyId: string; state: SurveyState; sentAt: Date; expiresAt: Date };
  rating?: RatingView;
  /** Ratings of earlier resolutions (before a reopen), newest first. */
  earlier: RatingView[];
}

const stateOf = (survey: Survey, now: Date): SurveyState => {
  if (survey.status !== 'open') return survey.status;
  return checkSurveyOpen(survey, now).ok ? 'open' : 'expired';
};

/** The survey, the ratings and their escalations as of one moment (a withdrawal commits all three together). */
export const readTicketRating = (deps: Pick<RatingDeps, 'dataSource' | 'clock'>, scope: Parameters<typeof findRatedTicket>[1], idOrReference: string): Promise<Result<TicketRatingView, Failure>> =>
  inSnapshot(deps.dataSource, (manager) => readTicketRatingIn(manager, deps, scope, idOrReference));

const readTicketRatingIn = async (
  manager: EntityManager,
  deps: Pick<RatingDeps, 'clock'>,
  scope: Parameters<typeof findRatedTicket>[1],
  idOrReference: string,
): Promise<Result<TicketRatingView, Failure>> => {
  const found = await findRatedTicket(manager, scope, idOrReference);
  if (!found.ok) return found;
  const ticket = found.value;
  const survey = await surveyStore.latestForTicket(manager, ticket.ticketId, false);
  const ratings = await ratingStore.forTicket(manager, ticket.ticketId);
  const escalations = await ratingStore.escalationsOf(manager, ratings.map((r) => r.surveyId));
  const views = ratings.map((r) => ratingViewOf(r, ticket.reference, escalations.get(r.surveyId)));
  const latest = survey ? views.find((v) => v.surveyId === survey.id) : undefined;
  return ok({
    ticketId: ticket.ticketId,
    reference: ticket.reference,
    ...(survey ? { survey: { surveyId: survey.id, state: stateOf(survey, deps.clock.now()), sentAt: survey.createdAt, expiresAt: survey.expiresAt } } : {}),
    ...(latest ? { rating: latest } : {}),
    earlier: views.filter((v) => v !== latest),
  });
};
