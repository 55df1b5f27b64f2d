import { isStorableText } from '@tss/contracts';
import { err, ok, type Result } from '@tss/service-kit';

/** The longest comment a rating carries (RatingSubmittedV1), in UTF-16 units, as a textarea's maxlength counts. */
export const RATE_COMMENT_MAX_CHARS = 4000;

export const RATE_SCORES = [1, 2, 3, 4, 5] as const;
export type RateScore = (typeof RATE_SCORES)[number];

/** A rating as the rate page's form gives it (P11): a score, whether the problem was solved, a comment. */
export interface RateAnswer {
  score: RateScore;
  solved: boolean;
  comment?: string;
}

export type RateFormField = 'score' | 'solved' | 'comment';
export type RateFormProblem = 'missing' | 'too_long' | 'unstorable';

export interface RateFormError {
  field: RateFormField;
  problem: RateFormProblem;
}

/** What the requester entered, to show the form again as it was sent. */
export interface RateFormValues {
  score?: RateScore;
  solved?: boolean;
  comment: string;
}

const single = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Reads the rate page's form (application/x-www-form-urlencoded, fields `score`, `solved`,
 * `comment`). A blank comment is no comment. Every problem is reported at once, so the page shows
 * them together; a value the form could not have sent (score 7, solved=maybe) counts as missing.
 */
export const readRateForm = (
  body: unknown,
  /** Fields the form's reader could not take (bytes or escapes not UTF-8, NUL, sent twice, cut off). */
  unreadable: Partial<Record<string, 'unreadable' | 'too_long'>> = {},
): Result<RateAnswer, { errors: RateFormError[]; values: RateFormValues }> => {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const scoreText = single(fields.score);
  const score = RATE_SCORES.find((s) => String(s) === scoreText);
  const solvedText = single(fields.solved);
  const solved = solvedText === 'yes' ? true : solvedText === 'no' ? false : undefined;
  const comment = (single(fields.comment) ?? '').trim();

  const errors: RateFormError[] = [];
  if (score === undefined) errors.push({ field: 'score', problem: 'missing' });
  if (solved === undefined) errors.push({ field: 'solved', problem: 'missing' });
  if (unreadable.comment === 'too_long') errors.push({ field: 'comment', problem: 'too_long' });
  else if (unreadable.comment || !isStorableText(comment)) errors.push({ field: 'comment', problem: 'unstorable' });
  else if (comment.length > RATE_COMMENT_MAX_CHARS) errors.push({ field: 'comment', problem: 'too_long' });

  if (errors.length > 0 || score === undefined || solved === undefined) return err({ errors, values: { score, solved, comment } });
  return ok({ score, solved, ...(comment ? { comment } : {}) });
};
