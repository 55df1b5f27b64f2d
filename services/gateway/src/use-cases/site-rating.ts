import { TICKET_BEHIND_HEADER } from '@tss/contracts';
import { ok, type Failure, type Result } from '@tss/service-kit';
import type { RateAnswer } from '@tss/web-pages';
import { IntakeUnavailable, jsonOf, type IntakeResponse } from '../upstream/intake-api';
import { intakeResult, type SiteDeps } from './site-deps';
import { ticketPath, type SiteSession } from './site-session';
import { isTicketStatus, sightTicket } from './ticket-visibility';

/** A survey's state as rating names it (`GET /v1/tickets/{id}/rating`). */
export type SiteSurveyState = 'open' | 'rated' | 'superseded' | 'withdrawn' | 'expired';

/** P11: the survey of the ticket's latest resolution, and its rating once given, as rating shows them to the link's requester. */
export interface SiteRating {
  state: SiteSurveyState;
  rating?: { score: number; solved: boolean; comment?: string };
}

interface TicketRatingAnswer {
  survey?: { state: SiteSurveyState };
  rating?: { score: number; solved: boolean; comment?: string };
}

/**
 * The ticket's survey, read from rating as the link's requester (docs/adr/0040, seventh session).
 * Undefined when rating cannot say (down, slow, or not told of the ticket or its resolution yet):
 * the page then shows the ticket without the form. It never fails for want of it, as for the clock.
 */
export const readSiteRating = async (deps: SiteDeps, session: SiteSession): Promise<SiteRating | undefined> => {
  const answer = await deps.rating.call({ method: 'GET', path: ticketPath(session, '/rating'), token: session.requesterToken }).catch((): undefined => undefined);
  if (answer?.status !== 200) return undefined;
  const { survey, rating } = jsonOf<TicketRatingAnswer>(answer);
  if (!survey) return undefined;
  return { state: survey.state, ...(rating ? { rating: { score: rating.score, solved: rating.solved, ...(rating.comment !== undefined ? { comment: rating.comment } : {}) } } : {}) };
};

/** rating's answer: a 503 or 504 (down, not told of the ticket yet, no answer in time) is the site's "temporarily unavailable", never a fault. */
const unavailableOf = (answer: IntakeResponse): IntakeResponse => {
  if (answer.status === 503 || answer.status === 504) throw new IntakeUnavailable(answer.status, `rating answered ${answer.status}`);
  return answer;
};

/**
 * Services mode: the site calls rating directly, not through the forwarding, so it checks rating's
 * refusal marked as rating being behind (a 409 "not resolved" right after the resolution) with
 * intake itself, as the forwarding would (docs/adr/0068, addendum of 2026-12-05): intake showing the
 * ticket in the marked status, or not answering, is the site's "temporarily unavailable", never
 * "not resolved". In one process the app's own hook has already done so, and the marker is gone.
 */
const behindOf = async (deps: SiteDeps, session: SiteSession, answer: IntakeResponse): Promise<IntakeResponse> => {
  const inStatus = answer.headers[TICKET_BEHIND_HEADER];
  if (answer.status >= 500 || !isTicketStatus(inStatus)) return answer;
  const sighting = await sightTicket(deps.intake, session.grant.ticketId, session.requesterToken, inStatus);
  if (sighting.kind === 'answer_stands') return answer;
  throw new IntakeUnavailable(503, sighting.kind === 'service_behind' ? `rating has not learned the ticket is ${inStatus} yet` : `intake could not say: ${sighting.reason}`);
};

/**
 * P11: the requester rates the survey of the ticket's latest resolution through rating's API
 * (`POST /v1/tickets/{id}/rating`), as the link's requester: rating's rules decide (one rating per
 * resolution, none while the ticket is reopened, none through a link a staff member minted: 403).
 * One rendered form rates once: its Idempotency-Key makes a repeat rating's first answer.
 */
export const rateOnSite = async (deps: SiteDeps, session: SiteSession, input: { answer: RateAnswer; idempotencyKey: string }): Promise<Result<{ solved: boolean }, Failure>> => {
  const { score, solved, comment } = input.answer;
  const answer = await deps.rating.call({
    method: 'POST',
    path: ticketPath(session, '/rating'),
    token: session.requesterToken,
    json: { score, solved, ...(comment !== undefined ? { comment } : {}) },
    idempotencyKey: input.idempotencyKey,
  });
  const rated = intakeResult<{ solved: boolean }>(unavailableOf(await behindOf(deps, session, answer)), 201);
  return rated.ok ? ok({ solved: rated.value.solved }) : rated;
};
