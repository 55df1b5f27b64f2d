import { err, ok, type Failure, type Result } from '@tss/service-kit';
import { isSurveyTokenShaped, surveyTokenHash } from '../domain/survey-token';
import { checkPartnerActive, checkSurveyOpen, type RatingInput } from '../domain/survey';
import { partnerDirectoryStore } from '../store/partner-directory.store';
import { ratingStore } from '../store/rating.store';
import { ratingTicketStore } from '../store/rating-ticket.store';
import { surveyStore } from '../store/survey.store';
import { recordRatingIn, type RatingDeps, type RatingView } from './record-rating';

export type { RatingDeps, RatingView } from './record-rating';

/** What the rate page shows before the requester answers (`GET /rate/{token}`). */
export interface SurveyView {
  surveyId: string;
  ticketId: string;
  reference: string;
  subject?: string;
  language: 'en' | 'ru';
  expiresAt: Date;
  /** Answered already: the page thanks instead of asking again. */
  rated: boolean;
  /** P11: what the rating answered ("was your problem solved?"), once rated: the thanks after the form's redirect say what was recorded. */
  ratedSolved?: boolean;
  /**
   * P11: answered, and the ticket was resolved again since: a newer survey (a newer link) exists
   * for the later resolution, so the page must not say the request takes no more ratings.
   */
  newerSurveySent: boolean;
  /** P11: the ticket was reopened since the link was sent, unanswered: it takes no rating until resolved again (a new link then). */
  reopened: boolean;
}

// A token we never issued and a mangled one look alike from outside: both are "no such link".
const UNKNOWN_LINK: Failure = { kind: 'not_found', detail: 'No such rating link.' };

/**
 * The survey a rating link opens. Unknown or forged: `not_found`; expired, replaced by a newer
 * resolution's, or its partner deactivated: `gone` (410); answered: the view with `rated: true` (and
 * `newerSurveySent` once the ticket was resolved again); withdrawn by a reopening (the
 * ticket is not resolved now): the view with `reopened: true`.
 */
export const openSurvey = async (deps: RatingDeps, token: string): Promise<Result<SurveyView, Failure>> => {
  if (!isSurveyTokenShaped(token)) return err(UNKNOWN_LINK);
  const manager = deps.dataSource.manager;
  const survey = await surveyStore.byTokenHash(manager, surveyTokenHash(token), false);
  if (!survey) return err(UNKNOWN_LINK);
  const partnerActive = checkPartnerActive(await partnerDirectoryStore.activeOf(manager, survey.partnerId));
  if (!partnerActive.ok) return partnerActive;
  if (survey.status !== 'rated' && survey.status !== 'withdrawn') {
    const open = checkSurveyOpen(survey, deps.clock.now());
    if (!open.ok) return open;
  }
  const ticket = await ratingTicketStore.find(manager, survey.ticketId);
  if (!ticket) return err(UNKNOWN_LINK);
  // A rated survey is never superseded (only open and withdrawn ones are): a later resolution's survey says so instead.
  const latest = survey.status === 'rated' ? await surveyStore.latestForTicket(manager, survey.ticketId, false) : undefined;
  const rating = survey.status === 'rated' ? await ratingStore.forSurvey(manager, survey.id) : undefined;
  return ok({
    surveyId: survey.id,
    ticketId: ticket.ticketId,
    reference: ticket.reference,
    ...(ticket.subject ? { subject: ticket.subject } : {}),
    language: ticket.language,
    expiresAt: survey.expiresAt,
    rated: survey.status === 'rated',
    ...(rating ? { ratedSolved: rating.solved } : {}),
    newerSurveySent: latest !== undefined && latest.id !== survey.id,
    reopened: survey.status === 'withdrawn',
  });
};

/**
 * The language of the ticket a link's survey is for, or undefined for a link that names no survey
 * we issued: a refused link (expired, superseded, withdrawn) is told in the survey's language, as
 * the page it opened was, whatever the browser asks for.
 */
export const surveyLanguage = async (deps: RatingDeps, token: string): Promise<'en' | 'ru' | undefined> => {
  if (!isSurveyTokenShaped(token)) return undefined;
  const manager = deps.dataSource.manager;
  const survey = await surveyStore.byTokenHash(manager, surveyTokenHash(token), false);
  return survey ? (await ratingTicketStore.find(manager, survey.ticketId))?.language : undefined;
};

/**
 * Rates through the link (`POST /v1/ratings/{token}` and the rate page): the token is the
 * credential and names its one ticket. Failures as `openSurvey`, plus `conflict` for a second
 * rating or a ticket reopened since (not resolved, P11), and `bad_request` for a score outside 1–5 or an oversize comment; nothing is recorded then.
 */
export const rateByToken = async (deps: RatingDeps, token: string, input: RatingInput): Promise<Result<RatingView, Failure>> => {
  if (!isSurveyTokenShaped(token)) return err(UNKNOWN_LINK);
  return deps.unitOfWork.run(async (tx) => {
    const survey = await surveyStore.byTokenHash(tx, surveyTokenHash(token), true);
    if (!survey) return err(UNKNOWN_LINK);
    const partnerActive = checkPartnerActive(await partnerDirectoryStore.activeOf(tx, survey.partnerId));
    if (!partnerActive.ok) return partnerActive;
    return recordRatingIn(tx, deps, survey, input, { via: 'link', ratedBy: 'link' });
  });
};
