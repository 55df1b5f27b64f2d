import type { FastifyInstance, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { answerFrameworkErrorsUnder, STREAM_EVERY_PART, namedPlugin } from '@tss/service-kit';
import { answerWithPlainPages, CsrfTokens, pageStatusOfAreaError, installFormBody, serveStylesheet, type Language, type PlainPageKind } from '@tss/web-pages';
import { siteSecret } from '../../store/site-secret.store';
import type { SiteDeps } from '../../use-cases/site-deps';
import { attachmentLimitsText } from './attachment-limits-text';
import { newRequestRoutes } from './new-request.routes';
import { languageOf } from './site-page-context';
import { linkTokenOfPath, SITE_REPLY_LIMITS, ticketPageRoutes } from './ticket-page.routes';

/**
 * The requester's support site (issue #13, docs/support-site.md): server-rendered pages under
 * `/support`, no scripts, a strict CSP, CSRF-protected forms. One encapsulated plugin: its form and
 * multipart parsers stay its own.
 */
export const supportSiteRoutes = (deps: SiteDeps) => async (app: FastifyInstance) => {
  // Forms are read strictly (UTF-8 as sent, each field once): a bad field is its form's error.
  installFormBody(app, { maxBytes: 256 * 1024 });
  await app.register(multipart, {
    limits: {
      fileSize: SITE_REPLY_LIMITS.maxFileBytes,
      // Text fields are streamed like files (STREAM_EVERY_PART) and count as files here.
      files: SITE_REPLY_LIMITS.maxFiles + SITE_REPLY_LIMITS.maxFields,
    },
    throwFileSizeLimit: false,
    ...STREAM_EVERY_PART,
  });
  const context = {
    deps,
    stylesheetHref: serveStylesheet(app, '/support'),
    csrf: new CsrfTokens(await siteSecret(deps.dataSource, deps.clock, 'csrf')),
    secureCookies: deps.linkSettings.TSS_PUBLIC_URL.startsWith('https:'),
  };
  // Pages for people: every refusal the routes do not answer themselves (a body that is not a form,
  // a body over its limit, a spent rate limit) is a plain page with its status, a fault the plain
  // error page (logged), and a site address that serves nothing (`/support/new/`) the 404 page.
  // In the language of the link the address names when its signature holds (its page's, as its
  // 403 and 410 are: docs/support-site.md), else the browser's: these refusals come before any route
  // has read the link (the body limit's 413, the parser's 415, the request deadline's 408).
  const refusalLanguageOf = (request: FastifyRequest) => {
    const token = linkTokenOfPath(request.raw.url ?? request.url);
    const signed = token === undefined ? undefined : deps.links.readSigned(token);
    return languageOf(request, signed?.ok ? signed.value.language : undefined);
  };
  // P8: a body over the limit under a ticket's link (its reply form takes files) is told the
  // attachment limits to keep within (the 413 page); the new-request form takes no files.
  const noteOf = (kind: PlainPageKind, language: Language, request: FastifyRequest) =>
    kind === 'tooLarge' && linkTokenOfPath(request.raw.url ?? request.url) !== undefined ? attachmentLimitsText(language, deps.attachmentLimits) : undefined;
  const sendPlain = await answerWithPlainPages(app, { prefix: '/support', stylesheetHref: context.stylesheetHref, languageOf: refusalLanguageOf, noteOf });
  // A link the router cannot read (`/support/t/%ff`) opens nothing: the 404 page, as a malformed link;
  // a form that did not arrive within the request deadline is the plain 408 page.
  answerFrameworkErrorsUnder(app, '/support', (error, request, reply) => sendPlain(request, reply, pageStatusOfAreaError(error)));
  await app.register(namedPlugin('ticketPageRoutes', ticketPageRoutes(context)));
  await app.register(namedPlugin('newRequestRoutes', newRequestRoutes(context)));
};
