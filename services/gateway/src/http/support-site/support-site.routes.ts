import type { FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import { STREAM_EVERY_PART } from '@tss/service-kit';
import { CsrfTokens, installFormBody, serveStylesheet } from '@tss/web-pages';
import { siteSecret } from '../../store/site-secret.store';
import type { SiteDeps } from '../../use-cases/site-deps';
import { newRequestRoutes } from './new-request.routes';
import { languageOf, sendPlainPage } from './site-page-context';
import { SITE_REPLY_LIMITS, ticketPageRoutes } from './ticket-page.routes';

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
  // Pages for people: a fault, or a spent rate limit, is a plain page (the fault logged), not
  // problem+json. Other refusals keep the app's answer (the parent handler, by rethrowing).
  app.setErrorHandler((error, request, reply) => {
    const status = typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
    if (status === 429) return sendPlainPage(context, reply, 'busy', languageOf(request));
    if (status < 500) throw error;
    request.log.error({ err: error }, 'support site page failed');
    return sendPlainPage(context, reply, 'error', languageOf(request));
  });
  // A site address that serves nothing (`/support/new/`, a mistyped path) is the site's own 404 page.
  await app.register(
    async (site) => {
      site.setNotFoundHandler((request, reply) => sendPlainPage(context, reply, 'notFound', languageOf(request)));
    },
    { prefix: '/support' },
  );
  await app.register(ticketPageRoutes(context));
  await app.register(newRequestRoutes(context));
};
