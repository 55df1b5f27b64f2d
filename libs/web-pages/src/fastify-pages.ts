import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pickLanguage, type Language } from './language';
import { isUnavailableStatus, plainPageKindOf, renderPlainPage, UNAVAILABLE_RETRY_AFTER_SECONDS, type PlainPageKind } from './layout';
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

/** A site's own sentence for one of its plain pages answering `request` (e.g. the limits a 413 broke), or undefined for the kind's words alone. */
export type PlainPageNote = (kind: PlainPageKind, language: Language, request: FastifyRequest) => string | undefined;

/**
 * The plain page for an error `status` (plainPageKindOf), answering `request`: a 5xx other than
 * 503 and 504 is the error page's 500; a 503 or 504 keeps its status and asks for a retry
 * (Retry-After, unless the reply already has one).
 */
export const sendPlainPage = (
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  language: Language,
  stylesheetHref: string,
  noteOf?: PlainPageNote,
): FastifyReply => {
  const unavailable = isUnavailableStatus(status);
  const kind = plainPageKindOf(status, request.method);
  const page = renderPlainPage(kind, language, stylesheetHref, unavailable ? status : Math.min(status, 500), noteOf?.(kind, language, request));
  if (unavailable && !reply.hasHeader('retry-after')) reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
  return sendPage(reply, page.status, page.html);
};

/**
 * The statuses a page area is handed by refusals the app makes before any route, kept as they are:
 * the request deadline's 408 and a body in a content coding's 415 (service-kit `answerInPageArea`).
 */
const KEPT_AREA_STATUSES: ReadonlySet<number> = new Set([408, 415]);

/**
 * The page status for an error handed to a page area (service-kit's `answerFrameworkErrorsUnder`):
 * the request deadline's 408 and a content coding's 415 keep theirs; anything the router refused is
 * a link that opens nothing, 404.
 */
export const pageStatusOfAreaError = (error: { statusCode?: number }): number =>
  error.statusCode !== undefined && KEPT_AREA_STATUSES.has(error.statusCode) ? error.statusCode : 404;

/** The status an error asks for: its own 4xx or 5xx, else 500 (a fault). */
const statusOfError = (error: unknown): number => {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500;
};

/**
 * A site's pages answer people, never with the API's problem+json: in the scope this is called
 * in, an error anything raised (a body parser's 415, a limit's 413, the rate limit's 429, whose
 * Retry-After is already on the reply) is its plain page with its status, a service that is down
 * or did not answer in time (503, 504: an upstream's error says which) the "temporarily
 * unavailable" page with Retry-After (logged as a warning: the page is fine, try again), and a
 * fault the plain error page (500, logged as an error). Addresses under `prefix` that serve nothing are the plain 404 page.
 * Answers how it sends a plain page with a status, for the router's errors (service-kit's
 * `answerFrameworkErrorsUnder`), which reach no scope.
 *
 * `languageOf` is the page's language for a request no route has read yet: the language of the link
 * its path names when the site can vouch for it (a signed link's, a survey's), else the browser's. It
 * may ask storage; if that fails, the browser's language is used and the failure logged.
 */
export const answerWithPlainPages = async (
  app: FastifyInstance,
  options: { prefix: string; stylesheetHref: string; languageOf: (request: FastifyRequest) => Language | Promise<Language>; noteOf?: PlainPageNote },
): Promise<(request: FastifyRequest, reply: FastifyReply, status: number) => Promise<FastifyReply>> => {
  const languageFor = async (request: FastifyRequest): Promise<Language> => {
    try {
      return await options.languageOf(request);
    } catch (error) {
      request.log.warn({ err: error }, 'page language unknown: the browser’s is used');
      return pickLanguage(undefined, request.headers['accept-language']);
    }
  };
  const sendPlain = async (request: FastifyRequest, reply: FastifyReply, status: number): Promise<FastifyReply> =>
    sendPlainPage(request, reply, status, await languageFor(request), options.stylesheetHref, options.noteOf);
  app.setErrorHandler((error, request, reply) => {
    const status = statusOfError(error);
    if (isUnavailableStatus(status)) request.log.warn({ err: error, statusCode: status }, 'page unavailable');
    else if (status >= 500) request.log.error({ err: error }, 'page failed');
    return sendPlain(request, reply, status);
  });
  await app.register(
    async (scope) => {
      scope.setNotFoundHandler((request, reply) => sendPlain(request, reply, 404));
    },
    { prefix: options.prefix },
  );
  // For what the scope cannot catch (the router's own errors, before any route): the caller hands it on.
  return sendPlain;
};
