import { html, renderHtml, type Html, type HtmlValue } from './html';
import { translate, type Language } from './language';
import { KIT_STRINGS } from './kit-strings';

/** A problem with one field, shown in the error summary (linked to the field) and beside the field. */
export interface FieldError {
  /** The id of the control the message is about. */
  fieldId: string;
  message: string;
}

export interface PageOptions {
  language: Language;
  /** The page's title and its one <h1>. */
  title: string;
  /** Where the stylesheet is (`stylesheetPath(base)`). */
  stylesheetHref: string;
  body: HtmlValue;
  /** Shown first in <main> as a status (after a redirect: "Your reply was sent"). */
  notice?: string;
  /** Problems with the form on the page: an error summary before the heading, each linked to its field. */
  errors?: readonly FieldError[];
  /** The site's name in the header; the kit's "Technical support" when absent. */
  siteName?: string;
  /** The page's address is a link that opens the requester's request: the footer asks them to keep it to themselves. */
  addressOpensRequest?: boolean;
}

/** The error summary (GOV.UK pattern): a heading and one link per problem, to the field's id. */
export const errorSummary = (language: Language, errors: readonly FieldError[]): Html =>
  errors.length === 0
    ? html``
    : html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
<h2 id="error-summary-title">${translate(KIT_STRINGS, language, 'errorSummaryTitle')}</h2>
<ul>${errors.map((e) => html`<li><a href="#${e.fieldId}">${e.message}</a></li>`)}</ul>
</div>`;

/** A whole page: language, title, skip link, header, main landmark, footer; no script, no inline style. */
export const renderPage = (options: PageOptions): string => {
  const { language } = options;
  const errors = options.errors ?? [];
  const title = errors.length > 0 ? `${translate(KIT_STRINGS, language, 'errorSummaryTitle')}: ${options.title}` : options.title;
  return `<!doctype html>\n${renderHtml(html`<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="stylesheet" href="${options.stylesheetHref}">
</head>
<body>
<a class="skip-link" href="#main">${translate(KIT_STRINGS, language, 'skipLink')}</a>
<header class="site-header"><p dir="auto">${options.siteName ?? translate(KIT_STRINGS, language, 'siteName')}</p></header>
<main id="main" tabindex="-1">
${options.notice ? html`<div class="notice" role="status"><p>${options.notice}</p></div>` : ''}
${errorSummary(language, errors)}
<h1>${options.title}</h1>
${options.body}
</main>
<footer><p>${translate(KIT_STRINGS, language, 'footer')}${options.addressOpensRequest ? ` ${translate(KIT_STRINGS, language, 'footerPrivateAddress')}` : ''}</p></footer>
</body>
</html>`)}\n`;
};

/**
 * `gone` is a link past its expiry; `revoked` one withdrawn before it (both 410: the reader is told
 * which). `forbidden` is a form whose CSRF token is missing or not ours (403): never said to have
 * expired, since an old token of ours brings the form back instead (docs/adr/0045). `unavailable`
 * is a service that is down or did not answer in time (503 or 504): not a fault, try again;
 * `unconfirmed` the same for a form, whose sender must not believe it was lost nor that it arrived.
 */
export type PlainPageKind = 'notFound' | 'gone' | 'revoked' | 'forbidden' | 'badRequest' | 'tooLarge' | 'busy' | 'unavailable' | 'unconfirmed' | 'error';

export const PLAIN_PAGE_STATUS: Readonly<Record<PlainPageKind, number>> = {
  notFound: 404,
  gone: 410,
  revoked: 410,
  forbidden: 403,
  badRequest: 400,
  tooLarge: 413,
  busy: 429,
  unavailable: 503,
  unconfirmed: 503,
  error: 500,
};

/** A service down (503) or not answering in time (504): the reader is to try again, not told of a fault. */
export const isUnavailableStatus = (status: number): boolean => status === 503 || status === 504;

/** How long a reader of an `unavailable` page is asked to wait (Retry-After), as the API's 503 asks. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * The plain page for an error status a page's route did not answer itself (the router, a body
 * parser, a limit): its own page where there is one, else "could not be read" with that status,
 * so a person never gets the API's problem+json. A 503 or 504 is `unavailable`, or, answering a
 * form (any `method` but GET and HEAD), `unconfirmed`.
 */
export const plainPageKindOf = (status: number, method = 'GET'): PlainPageKind => {
  if (isUnavailableStatus(status)) return method === 'GET' || method === 'HEAD' ? 'unavailable' : 'unconfirmed';
  if (status >= 500) return 'error';
  const own = (Object.keys(PLAIN_PAGE_STATUS) as PlainPageKind[]).find((kind) => PLAIN_PAGE_STATUS[kind] === status);
  return own ?? 'badRequest';
};

/**
 * A plain page for a refusal (a bad link, a form not sent from its page): a heading and one sentence, nothing else.
 * `status` answers another status with the kind's words (a 415 is a request that could not be read).
 * `note` is a site's own sentence after the kind's (a limit it knows, such as the support site's attachment sizes).
 */
export const renderPlainPage = (kind: PlainPageKind, language: Language, stylesheetHref: string, status: number = PLAIN_PAGE_STATUS[kind], note?: string): { status: number; html: string } => ({
  status,
  html: renderPage({
    language,
    stylesheetHref,
    title: translate(KIT_STRINGS, language, `${kind}Title`),
    body: html`<p>${translate(KIT_STRINGS, language, `${kind}Body`)}</p>${note ? html`<p>${note}</p>` : ''}`,
  }),
});
