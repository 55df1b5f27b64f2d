import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FAILURES } from '@tss/service-kit';
import { CSRF_FIELD, csrfCookieHeader, isLanguage, newCsrfCookieValue, PostedForm, readCookie, sendPage, type Language } from '@tss/web-pages';
import { readNewRequestValues } from '../../domain/new-request-form';
import { fileSiteRequest } from '../../use-cases/file-site-request';
import { openPartnerSite } from '../../use-cases/site-session';
import { fieldErrorsOf, renderFiledPage, renderNewRequestPage } from './new-request.page';
import { siteText } from './site-strings';
import { idempotencyKeyOf, languageOf, sendFailurePage, sendPlainPage, type SitePageContext } from './site-page-context';

/** The double-submit cookie of the public form (docs/adr/0037): HttpOnly, SameSite=Strict, under /support. */
export const SITE_FORM_COOKIE = 'tss_site_form';

/** The partner a form is for: one `partner` value, else none (the 404 page, never a 400 problem). */
const partnerOf = (query: unknown): string | undefined => {
  const partner = ((query ?? {}) as Record<string, unknown>).partner;
  return typeof partner === 'string' && partner.length <= 64 ? partner : undefined;
};

const PAGE = { config: { public: true }, schema: { hide: true } } as const;

/**
 * `/support/new?partner=…` (issue #13, P12): the public new-request form of a partner that enabled
 * its site (404 page otherwise), filed as that partner with the channel `site`.
 */
export const newRequestRoutes = (context: SitePageContext) => async (app: FastifyInstance) => {
  const { deps, csrf } = context;

  /** The form's cookie, set when the browser has none yet. */
  const formCookie = (request: FastifyRequest, reply: FastifyReply): string => {
    const existing = readCookie(request.headers.cookie, SITE_FORM_COOKIE);
    if (existing) return existing;
    const value = newCsrfCookieValue();
    reply.header('set-cookie', csrfCookieHeader(SITE_FORM_COOKIE, value, '/support', context.secureCookies));
    return value;
  };

  const formLanguage = (request: FastifyRequest, posted?: unknown): Language => (isLanguage(posted) ? posted : languageOf(request));

  app.get('/support/new', PAGE, async (request, reply) => {
    const language = languageOf(request);
    const site = await openPartnerSite(deps, partnerOf(request.query), request.ip);
    if (!site) return sendPlainPage(context, reply, 'notFound', language);
    const cookie = formCookie(request, reply);
    return sendPage(
      reply,
      200,
      renderNewRequestPage({
        language,
        stylesheetHref: context.stylesheetHref,
        partnerId: site.partnerId,
        partnerName: site.name,
        csrfToken: csrf.issue({ form: 'new-request', binding: `cookie:${cookie}` }, deps.clock.now()),
      }),
    );
  });

  const formOf = (request: FastifyRequest): PostedForm => (request.body instanceof PostedForm ? request.body : PostedForm.empty());
  /** The partner's open form, or its 404 page (already sent): with or without If-Match, as RFC 9110 §13.2.1 has it (the app's precondition hook asks here). */
  const openSite = async (request: FastifyRequest, reply: FastifyReply) => {
    const site = await openPartnerSite(deps, partnerOf(request.query), request.ip);
    if (!site) sendPlainPage(context, reply, 'notFound', formLanguage(request, formOf(request).fields.language));
    return site;
  };
  const POSTED = { config: { public: true, preconditions: { refusedFirst: async (request: FastifyRequest, reply: FastifyReply) => ((await openSite(request, reply)) ? undefined : reply) } }, schema: { hide: true } };

  // No body schema: the form's reader (installFormBody) judges each field, and every problem is
  // the form's error on its page in its language, never a problem+json (docs/adr/0063).
  app.post('/support/new', POSTED, async (request, reply) => {
    const form = formOf(request);
    const body = form.fields;
    const language = formLanguage(request, body.language);
    const site = await openSite(request, reply);
    if (!site) return reply;
    const cookie = readCookie(request.headers.cookie, SITE_FORM_COOKIE);
    const verdict = cookie ? csrf.judge({ form: 'new-request', binding: `cookie:${cookie}` }, body[CSRF_FIELD], deps.clock.now()) : 'refused';
    if (!cookie || verdict === 'refused') return sendPlainPage(context, reply, 'forbidden', language);
    const values = readNewRequestValues(body);
    const showForm = (status: number, errors: { fieldId: string; message: string }[], csrfToken = csrf.issue({ form: 'new-request', binding: `cookie:${cookie}` }, deps.clock.now())) =>
      sendPage(
        reply,
        status,
        renderNewRequestPage({
          language,
          stylesheetHref: context.stylesheetHref,
          partnerId: site.partnerId,
          partnerName: site.name,
          csrfToken,
          values,
          errors,
        }),
      );
    // Open longer than a form lasts (WCAG 2.2.1): nothing is filed; the form again, filled in as sent, with a fresh token.
    if (verdict === 'stale') return showForm(400, [{ fieldId: 'description', message: siteText(language, 'staleRequest') }]);
    const filed = await fileSiteRequest(deps, site, { values, posted: form.problems, language, idempotencyKey: idempotencyKeyOf(cookie, String(body[CSRF_FIELD]), JSON.stringify(values)) });
    if (!filed.ok) {
      if (filed.error.kind === 'form') return showForm(400, fieldErrorsOf(language, filed.error.problems));
      if (filed.error.kind === 'address_limit') {
        // The address's hourly bound (docs/adr/0037 addendum): the form again, its address field in error.
        reply.header('retry-after', String(filed.error.retryAfterSeconds));
        return showForm(429, [{ fieldId: 'email', message: siteText(language, 'emailOverLimit', { max: filed.error.limit }) }]);
      }
      const failure = filed.error.failure;
      // The visitor's budget is spent: the plain page says so, with when to come back (docs/adr/0011 addendum).
      if (failure.kind === 'rate_limited') return sendFailurePage(context, reply, failure, language);
      // The first post of this form is still being filed after the use case's wait: the form again
      // with its own token, so sending it again is the same request (its key), never a second one.
      if (failure.kind === 'idempotency_in_flight') return showForm(409, [{ fieldId: 'description', message: siteText(language, 'stillFiling') }], String(body[CSRF_FIELD]));
      const status = FAILURES[failure.kind].status;
      // Intake's own words are for API clients (field pointers, schema terms): the page says it in its language.
      if (status < 500) request.log.info({ failure }, 'intake refused a site request');
      return showForm(status, [{ fieldId: 'description', message: status < 500 ? siteText(language, 'notAccepted') : (failure.detail ?? FAILURES[failure.kind].title) }]);
    }
    return sendPage(reply, 201, renderFiledPage({ language, stylesheetHref: context.stylesheetHref, partnerName: site.name, ...filed.value }));
  });
};
