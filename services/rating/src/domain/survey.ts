import { isStorableText } from '@tss/contracts';
import type { Failure, Result } from '@tss/service-kit';
import { err, ok, withoutAccessParticulars } from '@tss/service-kit';

/** `withdrawn`: the ticket was reopened before the survey was answered; it is not resolved now (docs/adr/0040, addendum). */
export type SurveyStatus = 'open' | 'rated' | 'superseded' | 'withdrawn';

/** One invitation to rate: made when a ticket is resolved (P11), one per resolution. */
export interface Survey {
  id: string;
  ticketId: string;
  partnerId: string;
  status: SurveyStatus;
  resolvedAt: Date;
  createdAt: Date;
  expiresAt: Date;
}

/** What a requester answers (P11): 1–5, "was your problem solved?", and an optional comment. */
export interface RatingInput {
  score: number;
  solved: boolean;
  comment?: string;
}

export const MAX_COMMENT_LENGTH = 4_000;

/**
 * P11: rating is upon resolution. A reopened ticket is not resolved, so the survey its resolution
 * sent takes no rating until the ticket is resolved again (which sends a new link and supersedes it).
 */
export const TICKET_NOT_RESOLVED: Failure = {
  kind: 'conflict',
  detail: 'The ticket was reopened after this survey was sent, so it is not resolved now: it can be rated once it is resolved again (a new rating link is sent then).',
};

/**
 * P11: the ticket was resolved again after this (unrated) survey was sent, and a newer link went out
 * with that resolution. Gone (410) like an expired link, but not expired: the reader is pointed to
 * the newest link, which they have, not told to ask for one (docs/adr/0040, seventh session).
 */
export const LINK_SUPERSEDED: Failure = { kind: 'gone', detail: 'This rating link was replaced by a newer one, sent when the ticket was resolved again.' };

/** Whether a refusal is the one above: the rate page points to the newest link instead of saying the link expired. */
export const isSupersededLink = (failure: Failure): boolean => failure === LINK_SUPERSEDED;

/** Issue #13: a link opens until it expires; a newer resolution's survey replaces an unrated one; a reopening withdraws it. */
export const checkSurveyOpen = (survey: Survey, now: Date): Result<Survey, Failure> => {
  if (survey.status === 'withdrawn') return err(TICKET_NOT_RESOLVED);
  if (survey.status === 'superseded') return err(LINK_SUPERSEDED);
  if (now.getTime() >= survey.expiresAt.getTime()) return err({ kind: 'gone', detail: `This rating link expired at ${survey.expiresAt.toISOString()}.` });
  return ok(survey);
};

/**
 * docs/auth.md "Deactivating a partner": a deactivated partner's requester credentials are refused on
 * every channel, and a rating link is one. While the partner is inactive its links are gone (410)
 * and record nothing; reactivated, they open again (docs/adr/0040, addendum of 2026-12-04, sixth
 * session). `active` is rating's copy of the gateway's word: a partner no event named here
 * (undefined) is not refused, as its ticket was filed with the gateway's say-so.
 */
export const LINK_OF_INACTIVE_PARTNER: Failure = {
  kind: 'gone',
  detail: 'This rating link cannot be used now: the partner this request was filed through is deactivated. Nothing was recorded; the link opens again if the partner is reactivated before it expires.',
};

/** Whether a refusal is the one above: the rate page tells its reader the link was withdrawn, not that it expired. */
export const isLinkOfInactivePartner = (failure: Failure): boolean => failure === LINK_OF_INACTIVE_PARTNER;

export const checkPartnerActive = (active: boolean | undefined): Result<true, Failure> => (active === false ? err(LINK_OF_INACTIVE_PARTNER) : ok(true));

/** One rating per survey: a second is a conflict, whatever it says. */
export const checkRatable = (survey: Survey, now: Date): Result<Survey, Failure> => {
  if (survey.status === 'rated') return err({ kind: 'conflict', detail: 'This survey has already been answered; a survey takes one rating.' });
  return checkSurveyOpen(survey, now);
};

/** A reopening as rating reads it from `ticket.reopened`. */
export interface Reopening {
  reopenedAt: Date;
  /** The `ticket.reopened` event's sequence, named by `rating.withdrawn`. */
  ticketSequence?: number;
  /** The survey whose "not solved" rating asked for it (absent for any other reopening, and from an older intake). */
  ratingSurveyId?: string;
}

/**
 * P11: rating is upon resolution. A rating rating took while it had not read a reopening yet (the
 * ticket reopened by staff or the requester a moment before) rated a resolution that no longer stood:
 * it is withdrawn when the reopening arrives. One given before the reopening stands, and so does the
 * "not solved" rating that asked for it. Instants of two services: a tie keeps the rating
 * (docs/adr/0040, addendum of 2026-12-05, second session).
 */
export const ratingMissedReopening = (rating: { surveyId: string; submittedAt: Date }, reopening: Reopening): boolean =>
  reopening.ratingSurveyId !== rating.surveyId && rating.submittedAt.getTime() > reopening.reopenedAt.getTime();

/**
 * When a rating the reopening missed is withdrawn: when rating learnt of the reopening, which is
 * after it took the rating. The handler's instant is read as it begins, before it waits for the
 * rows it locks (a rating in flight holds the survey's), so it can fall before that rating's
 * `submittedAt` (an outside re-test: withdrawn 7 ms before it was given): never before it
 * (docs/adr/0040, addendum of 2026-12-05, third session).
 */
export const withdrawalInstant = (rating: { submittedAt: Date }, now: Date): Date => (now.getTime() < rating.submittedAt.getTime() ? rating.submittedAt : now);

/** The body's rules beyond its schema (the use cases are called by the rate page too, with form input). */
export const checkRatingInput = (input: RatingInput): Result<RatingInput, Failure> => {
  if (!Number.isInteger(input.score) || input.score < 1 || input.score > 5) return err({ kind: 'bad_request', detail: 'The score is a whole number from 1 to 5.' });
  if (typeof input.solved !== 'boolean') return err({ kind: 'bad_request', detail: '`solved` is true or false.' });
  if (input.comment !== undefined) {
    if (input.comment.length > MAX_COMMENT_LENGTH) return err({ kind: 'bad_request', detail: `The comment is at most ${MAX_COMMENT_LENGTH} characters.` });
    if (!isStorableText(input.comment)) return err({ kind: 'bad_request', detail: 'The comment must not contain NUL or an unpaired surrogate.' });
  }
  const comment = input.comment?.trim();
  return ok({ score: input.score, solved: input.solved, ...(comment ? { comment } : {}) });
};

/** A comment as rating keeps it, and the text as written when it must reach intake's vault. */
export interface KeptComment {
  comment?: string;
  inTransit?: { comment: string };
}

/** The masked text within the contract's bound: a placeholder is longer than a short password. */
const withinCommentLength = (text: string): string => {
  if (text.length <= MAX_COMMENT_LENGTH) return text;
  const cut = text.slice(0, MAX_COMMENT_LENGTH - 1);
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
};

/**
 * P9 (docs/adr/0040, addendum of 2026-12-04, third session): rating keeps, shows and publishes a
 * comment with its access particulars removed. A "not solved" comment reopens the ticket and
 * support works it again, so its text as written goes to intake in transit only, for the vault
 * (docs/adr/0070); a solved ticket is not worked again, and its comment's particulars are just gone.
 */
export const keptComment = (input: RatingInput): KeptComment => {
  if (input.comment === undefined) return {};
  const comment = withinCommentLength(withoutAccessParticulars(input.comment));
  if (comment === input.comment || input.solved) return { comment };
  return { comment, inTransit: { comment: input.comment } };
};
