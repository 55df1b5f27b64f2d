import { isStorableText } from '@tss/contracts';
import { radioGroup, textArea } from './form-controls';
import type { Html } from './html';
import { defineStrings, translate, type Language } from './language';
import type { FieldError } from './layout';

/**
 * P11: the rating form, one for every page that asks for a rating: rating's rate page
 * (`/rate/{token}`, the mailed link) and the support site's ticket page (`/support/t/{token}`), so
 * the requester is asked the same questions in the same words wherever they rate (docs/adr/0040,
 * addendum of 2026-12-04, seventh session). Each page posts it to its own service.
 */
export const RATING_FORM_STRINGS = defineStrings({
  en: {
    title: 'Rate the support you received',
    intro: 'Your request has been resolved. Please tell us how we did: it takes a minute.',
    scoreLegend: 'How would you rate our support?',
    score1: '1, very poor',
    score2: '2, poor',
    score3: '3, fair',
    score4: '4, good',
    score5: '5, excellent',
    solvedLegend: 'Was your problem solved?',
    solvedYes: 'Yes',
    solvedNo: 'No, it is not solved',
    solvedHint: 'If it is not, your request goes back to our support team.',
    commentLabel: 'Comment',
    commentHint: 'Up to {max} characters.',
    submit: 'Send rating',
    staleRating: 'This page was open for a long time: check your rating and send it again',
    scoreMissing: 'Choose a rating from 1 to 5',
    solvedMissing: 'Say whether your problem was solved',
    commentTooLong: 'The comment must be {max} characters or fewer',
    commentUnstorable: 'The comment contains characters that cannot be saved',
    thanksTitle: 'Thank you for your rating',
    thanksSolved: 'We have recorded your rating of request {reference}.',
    thanksNotSolved: 'We have recorded your rating of request {reference}. We are sorry the problem is not solved: your request goes back to our support team, who will answer you.',
  },
  ru: {
    title: 'Оцените полученную поддержку',
    intro: 'Ваше обращение решено. Расскажите, пожалуйста, как мы справились: это займёт минуту.',
    scoreLegend: 'Как вы оцениваете нашу поддержку?',
    score1: '1, очень плохо',
    score2: '2, плохо',
    score3: '3, удовлетворительно',
    score4: '4, хорошо',
    score5: '5, отлично',
    solvedLegend: 'Ваша проблема решена?',
    solvedYes: 'Да',
    solvedNo: 'Нет, не решена',
    solvedHint: 'Если нет, обращение вернётся в службу поддержки.',
    commentLabel: 'Комментарий',
    commentHint: 'Не более {max} символов.',
    submit: 'Отправить оценку',
    staleRating: 'Страница была открыта долго: проверьте оценку и отправьте её ещё раз',
    scoreMissing: 'Выберите оценку от 1 до 5',
    solvedMissing: 'Укажите, решена ли ваша проблема',
    commentTooLong: 'Комментарий должен быть не длиннее {max} символов',
    commentUnstorable: 'Комментарий содержит символы, которые нельзя сохранить',
    thanksTitle: 'Спасибо за вашу оценку',
    thanksSolved: 'Ваша оценка обращения {reference} сохранена.',
    thanksNotSolved: 'Ваша оценка обращения {reference} сохранена. Жаль, что проблема не решена: обращение возвращается в службу поддержки, вам ответят.',
  },
});
export type RatingFormStringKey = keyof (typeof RATING_FORM_STRINGS)['en'];

/** A rating form string in `language`. */
export const ratingFormText = (language: Language, key: RatingFormStringKey, params: Readonly<Record<string, string | number>> = {}): string =>
  translate(RATING_FORM_STRINGS, language, key, params);

/** The longest comment a rating carries (RatingSubmittedV1), in UTF-16 units, as a textarea's maxlength counts. */
export const RATE_COMMENT_MAX_CHARS = 4000;

export const RATE_SCORES = [1, 2, 3, 4, 5] as const;
export type RateScore = (typeof RATE_SCORES)[number];

/** A rating as the form gives it (P11): a score, whether the problem was solved, a comment. */
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

/** The form read: the answer, or every problem with what was entered (the shape of service-kit's `Result`). */
export type RateFormReading = { ok: true; value: RateAnswer } | { ok: false; error: { errors: RateFormError[]; values: RateFormValues } };

const single = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Reads the rating form (fields `score`, `solved`, `comment`). A blank comment is no comment. Every
 * problem is reported at once, so the page shows them together; a value the form could not have
 * sent (score 7, solved=maybe) counts as missing.
 */
export const readRateForm = (
  body: unknown,
  /** Fields the form's reader could not take (bytes or escapes not UTF-8, NUL, sent twice, cut off). */
  unreadable: Partial<Record<string, 'unreadable' | 'too_long'>> = {},
): RateFormReading => {
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

  if (errors.length > 0 || score === undefined || solved === undefined) return { ok: false, error: { errors, values: { score, solved, comment } } };
  return { ok: true, value: { score, solved, ...(comment ? { comment } : {}) } };
};

/** The control an error summary links to: a radio group's first choice (`${id}-0`, the kit's radioGroup), or the field. */
export const RATE_FORM_FIELD_IDS: Readonly<Record<RateFormField, string>> = { score: 'score-0', solved: 'solved-0', comment: 'comment' };

/** A problem with the form, in the page's words. */
export const rateFormErrorText = (language: Language, error: RateFormError): string => {
  if (error.field === 'score') return ratingFormText(language, 'scoreMissing');
  if (error.field === 'solved') return ratingFormText(language, 'solvedMissing');
  return error.problem === 'too_long' ? ratingFormText(language, 'commentTooLong', { max: RATE_COMMENT_MAX_CHARS }) : ratingFormText(language, 'commentUnstorable');
};

/** The form's problems for the page's error summary, each linked to its control. */
export const rateFormFieldErrors = (language: Language, errors: readonly RateFormError[]): FieldError[] =>
  errors.map((e) => ({ fieldId: RATE_FORM_FIELD_IDS[e.field], message: rateFormErrorText(language, e) }));

/** A score as the form names it ("4, good"). */
export const scoreText = (language: Language, score: number): string => {
  const known = RATE_SCORES.find((s) => s === score);
  return known === undefined ? String(score) : ratingFormText(language, `score${known}`);
};

/** "Was your problem solved?" answered, as the form words it. */
export const solvedText = (language: Language, solved: boolean): string => ratingFormText(language, solved ? 'solvedYes' : 'solvedNo');

/**
 * The form's controls (issue #13): the five choices and "was your problem solved?" as radio groups
 * (fieldset and legend), and a comment box; each problem beside its field. The page wraps them in
 * its form (its action and CSRF token) with `ratingFormText(language, 'submit')` as the button.
 */
export const rateFormControls = (language: Language, form: { values?: RateFormValues; errors?: readonly RateFormError[] } = {}): Html[] => {
  const errors = form.errors ?? [];
  const errorOf = (field: RateFormField) => {
    const error = errors.find((e) => e.field === field);
    return error ? rateFormErrorText(language, error) : undefined;
  };
  const values = form.values ?? { comment: '' };
  return [
    radioGroup({
      id: 'score',
      language,
      label: ratingFormText(language, 'scoreLegend'),
      required: true,
      error: errorOf('score'),
      value: values.score === undefined ? undefined : String(values.score),
      options: RATE_SCORES.map((score) => ({ value: String(score), label: scoreText(language, score) })),
    }),
    radioGroup({
      id: 'solved',
      language,
      label: ratingFormText(language, 'solvedLegend'),
      required: true,
      hint: ratingFormText(language, 'solvedHint'),
      error: errorOf('solved'),
      value: values.solved === undefined ? undefined : values.solved ? 'yes' : 'no',
      options: [
        { value: 'yes', label: ratingFormText(language, 'solvedYes') },
        { value: 'no', label: ratingFormText(language, 'solvedNo') },
      ],
    }),
    textArea({
      id: 'comment',
      language,
      label: ratingFormText(language, 'commentLabel'),
      hint: ratingFormText(language, 'commentHint', { max: RATE_COMMENT_MAX_CHARS }),
      error: errorOf('comment'),
      value: values.comment,
      maxLength: RATE_COMMENT_MAX_CHARS,
    }),
  ];
};
