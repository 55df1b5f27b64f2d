import { html, postForm, radioGroup, renderPage, stylesheetPath, submitButton, textArea, translate, type FieldError, type Language } from '@tss/web-pages';
import { RATE_COMMENT_MAX_CHARS, RATE_SCORES, type RateFormError, type RateFormValues } from '../domain/rate-page-form';
import { RATE_PAGE_STRINGS, type RatePageStringKey } from './rate-page.strings';

/** The rate pages live under `/rate` (DESIGN "Routes"), their stylesheet too: one prefix in both modes. */
export const RATE_PAGE_BASE = '/rate';
export const RATE_PAGE_STYLESHEET = stylesheetPath(RATE_PAGE_BASE);

/** What the rate page shows of a survey. */
export interface RatePageSurvey {
  reference: string;
  subject?: string;
  language: Language;
}

const t = (language: Language, key: RatePageStringKey, params: Record<string, string | number> = {}) => translate(RATE_PAGE_STRINGS, language, key, params);

/** The control an error summary links to: a radio group's first choice (`${id}-0`, the kit's radioGroup), or the field. */
const FIELD_IDS = { score: 'score-0', solved: 'solved-0', comment: 'comment' } as const;

const errorMessage = (language: Language, error: RateFormError): string => {
  if (error.field === 'score') return t(language, 'scoreMissing');
  if (error.field === 'solved') return t(language, 'solvedMissing');
  return error.problem === 'too_long' ? t(language, 'commentTooLong', { max: RATE_COMMENT_MAX_CHARS }) : t(language, 'commentUnstorable');
};

const facts = (survey: RatePageSurvey) => html`<dl class="facts">
<dt>${t(survey.language, 'reference')}</dt><dd class="reference">${survey.reference}</dd>
${survey.subject ? html`<dt>${t(survey.language, 'subject')}</dt><dd dir="auto">${survey.subject}</dd>` : ''}
</dl>`;

const solvedValue = (solved: boolean | undefined): string | undefined => (solved === undefined ? undefined : solved ? 'yes' : 'no');

/**
 * The form (issue #13): the five choices and "was your problem solved?" as radio groups (fieldset
 * and legend), a comment box and one submit button; problems in an error summary linked to the
 * fields (the kit's forms are `novalidate`).
 */
export const ratePage = (
  survey: RatePageSurvey,
  form: { action: string; csrfToken: string; values?: RateFormValues; errors?: readonly RateFormError[] },
): string => {
  const { language } = survey;
  const errors = form.errors ?? [];
  const errorOf = (field: RateFormError['field']) => {
    const error = errors.find((e) => e.field === field);
    return error ? errorMessage(language, error) : undefined;
  };
  const values = form.values ?? { comment: '' };
  const fieldErrors: FieldError[] = errors.map((e) => ({ fieldId: FIELD_IDS[e.field], message: errorMessage(language, e) }));

  const body = html`<p>${t(language, 'intro')}</p>
${facts(survey)}
${postForm(
  { action: form.action, csrfToken: form.csrfToken },
  radioGroup({
    id: 'score',
    language,
    label: t(language, 'scoreLegend'),
    required: true,
    error: errorOf('score'),
    value: values.score === undefined ? undefined : String(values.score),
    options: RATE_SCORES.map((score) => ({ value: String(score), label: t(language, `score${score}`) })),
  }),
  radioGroup({
    id: 'solved',
    language,
    label: t(language, 'solvedLegend'),
    required: true,
    hint: t(language, 'solvedHint'),
    error: errorOf('solved'),
    value: solvedValue(values.solved),
    options: [
      { value: 'yes', label: t(language, 'solvedYes') },
      { value: 'no', label: t(language, 'solvedNo') },
    ],
  }),
  textArea({
    id: 'comment',
    language,
    label: t(language, 'commentLabel'),
    hint: t(language, 'commentHint', { max: RATE_COMMENT_MAX_CHARS }),
    error: errorOf('comment'),
    value: values.comment,
    maxLength: RATE_COMMENT_MAX_CHARS,
  }),
  submitButton(t(language, 'submit')),
)}`;
  return renderPage({ language, title: t(language, 'title'), stylesheetHref: RATE_PAGE_STYLESHEET, body, errors: fieldErrors });
};

/** After a rating: thanks, and what happens next when the problem is not solved (P11: the ticket reopens). */
export const thankYouPage = (survey: RatePageSurvey, solved: boolean): string =>
  renderPage({
    language: survey.language,
    title: t(survey.language, 'thanksTitle'),
    stylesheetHref: RATE_PAGE_STYLESHEET,
    body: html`<p>${t(survey.language, solved ? 'thanksSolved' : 'thanksNotSolved', { reference: survey.reference })}</p>`,
  });

/**
 * A survey that has its rating: the link is spent (one rating per survey). When the ticket was
 * resolved again since, a newer link was sent for that resolution: the page says so (P11).
 */
export const alreadyRatedPage = (survey: RatePageSurvey, options: { newerSurveySent?: boolean } = {}): string =>
  renderPage({
    language: survey.language,
    title: t(survey.language, options.newerSurveySent ? 'earlierRatedTitle' : 'ratedTitle'),
    stylesheetHref: RATE_PAGE_STYLESHEET,
    body: html`<p>${t(survey.language, options.newerSurveySent ? 'earlierRatedBody' : 'ratedBody', { reference: survey.reference })}</p>`,
  });

/** P11: the ticket was reopened after the link was sent: it is open again, and rated once resolved again (a new link then). */
export const reopenedPage = (survey: RatePageSurvey): string =>
  renderPage({
    language: survey.language,
    title: t(survey.language, 'reopenedTitle'),
    stylesheetHref: RATE_PAGE_STYLESHEET,
    body: html`<p>${t(survey.language, 'reopenedBody', { reference: survey.reference })}</p>`,
  });
