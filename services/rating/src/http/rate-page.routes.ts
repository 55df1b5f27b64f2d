import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { answerFrameworkErrorsUnder, type Clock, type Failure, type Result } from '@tss/service-kit';
import {
  answerWithPlainPages,
  CSRF_FIELD,
  pageStatusOfAreaError,
  CsrfTokens,
  installFormBody,
  pickLanguage,
  PostedForm,
  RATE_COMMENT_MAX_CHARS,
  readRateForm,
  redirectAfterPost,
  renderPlainPage,
  sendPage,
  serveStylesheet,
  type Language,
  type PlainPageKind,
  type RateAnswer,
} from '@tss/web-pages';
import { isLinkOfInactivePartner, isSupersededLink } from '../domain/survey';
import { isSurveyTokenShaped } from '../domain/survey-token';

/** The longest comment, each character percent-encoded from up to 4 UTF-8 bytes, and the other fields. */
const RATE_FORM_MAX_BYTES = RATE_COMMENT_MAX_CHARS * 12 + 4_096;
import { alreadyRatedPage, expiredPage, RATE_PAGE_BASE, RATE_PAGE_STYLESHEET, ratePage, reopenedPage, supersededPage, thankYouPage, type RatePageSurvey } from './rate-page.views';

/** What the page needs of a survey (rating's `openSurvey`). */
export interface RatePageSurveyView extends RatePageSurvey {
  surveyId: string;
  rated: boolean;
  /** What the rating answered, once rated: the thank-you page after the form's redirect says what was recorded. */
  ratedSolved?: boolean;
  /** P11: rated, and the ticket resolved again since: a newer link was sent for that resolution. */
  newerSurveySent: boolean;
  /** P11: the ticket was reopened since the link was sent: not resolved, nothing to rate now. */
  reopened: boolean;
}

/** The rating use cases the page calls: the same ones, and so the same checks, as the API's. */
export interface RatePagePort {
  openSurvey(token: string): Promise<Result<RatePageSurveyView, Failure>>;
  rate(token: string, answer: RateAnswer): Promise<Result<unknown, Failure>>;
  /** The language of the survey a link names, undefined when it names none we issued. */
  languageOf(token: string): Promise<Language | undefined>;
}

/** The form a CSRF token is for; it is bound to the survey, so only who could open the page can post it. */
const CSRF_FORM = 'rate';
const csrfCheck = (survey: RatePageSurveyView) => ({ form: CSRF_FORM, binding: `survey:${survey.surveyId}` });

/**
 * The CSRF key of one survey's form, derived from its link token. A cross-site page cannot post a
 * rating without knowing the token (it is in the form's address), and whoever knows the token can
 * rate anyway: the link is the secret the form is worth. Derived, the key needs no setting and no
 * table, every rating replica computes the same one, and rating still stores only the token's hash.
 */
const csrfFor = (token: string) => new CsrfTokens(createHmac('sha256', 'tss/rate-page/csrf/v1').update(token).digest());

type TokenRequest = FastifyRequest<{ Params: { '*': string } }>;

/**
 * The query the form's Post/Redirect/Get leads to: `/rate/{token}?done=rated` is the thank-you page
 * of a rated link, so a refresh or Back there thanks again rather than posting again (docs/adr/0045).
 */
const DONE_RATED = 'rated';

/** Whether the address is the redirect after a rating, read leniently: a query we did not write is no refusal, only no thanks. */
const isAfterRating = (request: FastifyRequest): boolean => (request.query as Record<string, unknown> | undefined)?.done === DONE_RATED;

const PAGE_ROUTE = { config: { public: true }, schema: { hide: true } } as const;

/**
 * The survey token a page address names: what follows `/rate/`, whole. A wildcard rather than a
 * path parameter, so that no length or shape is the router's to refuse (it would answer 414 or 400
 * JSON): anything that is not a token's shape is a link that opens nothing, the plain 404 page.
 */
const tokenOf = (request: TokenRequest): string | undefined => (isSurveyTokenShaped(request.params['*']) ? request.params['*'] : undefined);

/**
 * A refused link's page kind (a superseded one has a page of its own, `supersededPage`): a wrong
 * or foreign token is "not found", an expired one "gone", and
 * a deactivated partner's "revoked" (withdrawn, as the site's links of that partner say; it opens
 * again if the partner is reactivated, docs/adr/0040).
 */
const plainKindOf = (failure: Failure): PlainPageKind => {
  if (isLinkOfInactivePartner(failure)) return 'revoked';
  switch (failure.kind) {
    case 'gone':
    case 'conflict': // a spent link that no longer names its survey
      return 'gone';
    case 'forbidden':
      return 'forbidden';
    case 'bad_request':
    case 'unprocessable':
      return 'badRequest';
    default:
      return 'notFound';
  }
};

/**
 * `GET /rate/{token}` and `POST /rate/{token}` (issue #13): the requester's rating page, reached
 * from the resolved mail's link. Server-rendered, no script; the survey token is the credential, so
 * the routes are public, and every page is no-store, no-referrer, under a strict CSP (@tss/web-pages).
 * A spent, expired or forged link is a plain 4xx page and records nothing.
 */
export const ratePageRoutes =
  (port: RatePagePort, clock: Clock) =>
  async (app: FastifyInstance): Promise<void> => {
    // Forms post x-www-form-urlencoded, read strictly (bad UTF-8 is the field's error, never a
    // silent U+FFFD; docs/adr/0063); the parser is this plugin's alone (fastify encapsulation).
    installFormBody(app, { maxBytes: RATE_FORM_MAX_BYTES });

    const send = sendPage;
    const sendPlain = (reply: FastifyReply, kind: PlainPageKind, language: Language) => {
      const page = renderPlainPage(kind, language, RATE_PAGE_STYLESHEET);
      return send(reply, page.status, page.html);
    };
    /**
     * A link's refusal: a superseded link points to the newest one, an expired one says the time to
     * rate has passed (both 410, the rate page's own words); any other is its plain page.
     */
    const sendRefusal = (reply: FastifyReply, failure: Failure, language: Language) => {
      if (isSupersededLink(failure)) return send(reply, 410, supersededPage(language));
      if (failure.kind === 'gone' && plainKindOf(failure) === 'gone') return send(reply, 410, expiredPage(language));
      return sendPlain(reply, plainKindOf(failure), language);
    };
    const browserLanguage = (request: FastifyRequest) => pickLanguage(undefined, request.headers['accept-language']);
    const actionOf = (token: string) => `${RATE_PAGE_BASE}/${encodeURIComponent(token)}`;

    /** The survey behind the link, or the plain page that refuses it (already sent). */
    const open = async (
      request: TokenRequest,
      reply: FastifyReply,
      token: string | undefined,
      options: { thankIfRated?: boolean } = {},
    ): Promise<RatePageSurveyView | undefined> => {
      if (token === undefined) {
        await sendPlain(reply, 'notFound', browserLanguage(request));
        return undefined;
      }
      const survey = await port.openSurvey(token);
      if (!survey.ok) {
        // A link we issued is refused in its survey's language; one we did not, in the browser's.
        const language = survey.error.kind === 'not_found' ? undefined : await port.languageOf(token);
        await sendRefusal(reply, survey.error, language ?? browserLanguage(request));
        return undefined;
      }
      // The page the form's redirect leads to thanks for what was recorded, as often as it is loaded;
      // once the ticket was resolved again, the earlier rating's page says a newer link was sent instead.
      if (survey.value.rated && options.thankIfRated && survey.value.ratedSolved !== undefined && !survey.value.newerSurveySent) {
        await send(reply, 200, thankYouPage(survey.value, survey.value.ratedSolved));
        return undefined;
      }
      if (survey.value.rated) {
        await send(reply, 409, alreadyRatedPage(survey.value, { newerSurveySent: survey.value.newerSurveySent }));
        return undefined;
      }
      if (survey.value.reopened) {
        await send(reply, 409, reopenedPage(survey.value));
        return undefined;
      }
      return survey.value;
    };

    serveStylesheet(app, RATE_PAGE_BASE);
    // Pages for people: a refusal no route answers (a body that is not a form, a limit) is a plain
    // page with its status, an address under /rate that serves nothing the 404 page, and so is one
    // the router cannot read (`/rate/%ff`): a link that opens nothing (docs/rating.md).
    // A refusal made before the route read the link (the parser's 415, the request deadline's 408) is
    // in the survey's language when the address names one we issued, as the page's own refusals are.
    const refusalLanguageOf = async (request: FastifyRequest): Promise<Language> => {
      const path = (request.raw.url ?? request.url).split('?')[0];
      const token = path.startsWith(`${RATE_PAGE_BASE}/`) ? path.slice(RATE_PAGE_BASE.length + 1) : '';
      return (isSurveyTokenShaped(token) ? await port.languageOf(token) : undefined) ?? browserLanguage(request);
    };
    const sendPlainStatus = await answerWithPlainPages(app, { prefix: RATE_PAGE_BASE, stylesheetHref: RATE_PAGE_STYLESHEET, languageOf: refusalLanguageOf });
    answerFrameworkErrorsUnder(app, RATE_PAGE_BASE, (error, request, reply) => sendPlainStatus(request, reply, pageStatusOfAreaError(error)));

    app.get<{ Params: { '*': string } }>(`${RATE_PAGE_BASE}/*`, PAGE_ROUTE, async (request, reply) => {
      const token = tokenOf(request);
      const survey = await open(request, reply, token, { thankIfRated: isAfterRating(request) });
      if (!survey || token === undefined) return reply;
      const csrfToken = csrfFor(token).issue(csrfCheck(survey), clock.now());
      return send(reply, 200, ratePage(survey, { action: actionOf(token), csrfToken }));
    });

    // A link that opens no survey to rate is its refusal page with or without If-Match or
    // If-None-Match (RFC 9110 §13.2.1): the app's precondition hook asks here before it answers a failing condition.
    const surveyToRate = async (request: FastifyRequest, reply: FastifyReply) => {
      const routed = request as TokenRequest; // the `/rate/*` route's, as every route here
      return (await open(routed, reply, tokenOf(routed))) ? undefined : reply;
    };
    const POSTED_ROUTE = { ...PAGE_ROUTE, config: { ...PAGE_ROUTE.config, preconditions: { refusedFirst: surveyToRate } } };
    app.post<{ Params: { '*': string }; Body: unknown }>(`${RATE_PAGE_BASE}/*`, POSTED_ROUTE, async (request, reply) => {
      const token = tokenOf(request);
      const survey = await open(request, reply, token);
      if (!survey || token === undefined) return reply;
      const form = request.body instanceof PostedForm ? request.body : PostedForm.empty();
      const fields = form.fields;
      const csrf = csrfFor(token);
      const verdict = csrf.judge(csrfCheck(survey), fields[CSRF_FIELD], clock.now());
      if (verdict === 'refused') return sendPlain(reply, 'forbidden', survey.language);

      const answer = readRateForm(fields, form.problems);
      if (verdict === 'stale') {
        // Open longer than a form lasts (WCAG 2.2.1, docs/adr/0045): nothing is recorded; the form
        // again with the choices and comment as sent, and a fresh token.
        const csrfToken = csrf.issue(csrfCheck(survey), clock.now());
        const values = answer.ok ? { ...answer.value, comment: answer.value.comment ?? '' } : answer.error.values;
        return send(reply, 400, ratePage(survey, { action: actionOf(token), csrfToken, values, stale: true }));
      }
      if (!answer.ok) {
        const csrfToken = csrf.issue(csrfCheck(survey), clock.now());
        return send(reply, 400, ratePage(survey, { action: actionOf(token), csrfToken, ...answer.error }));
      }
      const rated = await port.rate(token, answer.value);
      if (!rated.ok) {
        if (rated.error.kind === 'conflict') {
          // Rated in another tab since the page opened (the link is spent), or the ticket reopened meanwhile.
          const now = await port.openSurvey(token);
          return send(reply, 409, now.ok && now.value.reopened ? reopenedPage(survey) : alreadyRatedPage(survey, { newerSurveySent: now.ok && now.value.newerSurveySent }));
        }
        return sendRefusal(reply, rated.error, survey.language);
      }
      // Post/Redirect/Get, as the support site's forms: a refresh or Back loads the thanks again, and
      // never posts the rating a second time (a 409 "already rated" where the requester expects thanks).
      return redirectAfterPost(reply, `${actionOf(token)}?done=${DONE_RATED}`);
    });
  };
