import type { FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import { CsrfTokens, serveStylesheet } from '@tss/web-pages';
import { siteSecret } from '../../store/site-secret.store';
import type { SiteDeps } from '../../use-cases/site-deps';
import { newRequestRoutes } from './new-request.routes';
import { SITE_REPLY_LIMITS, ticketPageRoutes } from './ticket-page.routes';

/**
 * The requester's support site (issue #13, docs/support-site.md): server-rendered pages under
 * `/support`, no scripts, a strict CSP, CSRF-protected forms. One encapsulated plugin: its form and
 * multipart parsers stay its own.
 */
export const supportSiteRoutes = (deps: SiteDeps) => async (app: FastifyInstance) => {
  await app.register(formbody, { bodyLimit: 256 * 1024 });
  await app.register(multipart, {
    limits: {
      fileSize: SITE_REPLY_LIMITS.maxFileBytes,
      files: SITE_REPLY_LIMITS.maxFiles,
      fieldSize: SITE_REPLY_LIMITS.maxFieldBytes,
      fields: 10,
    },
    throwFileSizeLimit: false,
  });
  const context = {
    deps,
    stylesheetHref: serveStylesheet(app, '/support'),
    csrf: new CsrfTokens(await siteSecret(deps.dataSource, deps.clock, 'csrf')),
    secureCookies: deps.linkSettings.TSS_PUBLIC_URL.startsWith('https:'),
  };
  await app.register(ticketPageRoutes(context));
  await app.register(newRequestRoutes(context));
};
