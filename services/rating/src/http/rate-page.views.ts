import {
  html,
  postForm,
  rateFormControls,
  RATE_FORM_FIELD_IDS,
  rateFormFieldErrors,
  ratingFormText,
  renderPage,
  stylesheetPath,
  submitButton,
  translate,
  type Language,
  type RateFormError,
  type RateFormValues,
} from '@tss/web-pages';
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

const facts = (survey: RatePageSurvey) => html`<dl class="facts">
<dt>${t(survey.language, 'reference')}</dt><dd class="reference">${survey.reference}</dd>
${survey.subject ? html`<dt>${t(survey.language, 'subject')}</dt><dd dir="auto">${survey.subject}</dd>` : ''}
</dl>`;

/**
 * The form (issue #13): the shared rating form of `@tss/web-pages` (the support site's ticket page
 * asks the same), problems in an error summary linked to the fields (the kit's forms are `novalidate`).
 */
export const ratePage = (
  survey: RatePageSurvey,
  form: {
    action: string;
    csrfToken: string;
    values?: RateFormValues;
    errors?: readonly RateFormError[];
    /** Sent from a page open longer than a form lasts: the summary asks to check the answers and send again. */
    stale?: boolean;
  },
): string => {
  const { language } = survey;
  const body = html`<p>${ratingFormText(language, 'intro')}</p>
${facts(survey)}
${postForm({ action: form.action, csrfToken: form.csrfToken }, ...rateFormControls(language, form), submitButton(ratingFormText(language, 'submit')))}`;
  const stale = form.stale ? [{ fieldId: RATE_FORM_FIELD_IDS.score, message: ratingFormText(language, 'staleRating') }] : [];
  return renderPage({ language, title: ratingFormText(language, 'title'), stylesheetHref: RATE_PAGE_STYLESHEET, body, errors: [...stale, ...rateFormFieldErrors(language, form.errors ?? [])] });
};

/** After a rating: thanks, and what happens next when the problem is not solved (P11: the ticket reopens). */
export const thankYouPage = (survey: RatePageSurvey, solved: boolean): string =>
  renderPage({
    language: survey.language,
    title: ratingFormText(survey.language, 'thanksTitle'),
    stylesheetHref: RATE_PAGE_STYLESHEET,
    body: html`<p>${ratingFormText(survey.language, solved ? 'thanksSolved' : 'thanksNotSolved', { reference: survey.reference })}</p>`,
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

/**
 * P11: an unrated link whose ticket was resolved again since (410): a newer link was sent with that
 * resolution, so the reader is pointed to it rather than told the link expired and to ask support.
 * In the survey's language; the refusal names no survey view, so no reference.
 */
export const supersededPage = (language: Language): string =>
  renderPage({
    language,
    title: t(language, 'supersededTitle'),
    stylesheetHref: RATE_PAGE_STYLESHEET,
    body: html`<p>${t(language, 'supersededBody')}</p>`,
  });

/**
 * P11: a link past its expiry (410). Its own words, not the support site's "ask support for a new
 * one": no route re-issues a rating link. What is left to a requester whose problem is not solved
 * is what reopens or follows up: a reply to the last mail, or "not solved" on the support site.
 * In the survey's language; the refusal names no survey view, so no reference.
 */
export const expiredPage = (language: Language): string =>
  renderPage({
    language,
    title: t(language, 'expiredTitle'),
    stylesheetHref: RATE_PAGE_STYLESHEET,
    body: html`<p>${t(language, 'expiredBody')}</p>`,
  });
