import type { FastifyInstance, FastifyReply } from 'fastify';
import { pageHeaders } from './security-headers';
import { STYLESHEET, STYLESHEET_HEADERS, stylesheetPath } from './stylesheet';

/**
 * Serves the kit's stylesheet under a site's prefix (public, hidden from the API document) and
 * returns its path for `renderPage({ stylesheetHref })`. Each site serves its own copy, so the
 * page's `style-src 'self'` holds whichever service answers it.
 */
export const serveStylesheet = (app: FastifyInstance, basePath: string): string => {
  const path = stylesheetPath(basePath);
  app.get(path, { config: { public: true }, schema: { hide: true } }, async (_request, reply) => reply.headers(STYLESHEET_HEADERS).send(STYLESHEET));
  return path;
};

/** Sends a rendered page with the kit's headers (strict CSP, no-store, no-referrer). */
export const sendPage = (reply: FastifyReply, status: number, page: string): FastifyReply => reply.code(status).headers(pageHeaders()).send(page);

/** The Post/Redirect/Get answer after a form: 303 to `location` (no-store, no-referrer like the pages). */
export const redirectAfterPost = (reply: FastifyReply, location: string): FastifyReply =>
  reply.code(303).headers({ location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).send();
