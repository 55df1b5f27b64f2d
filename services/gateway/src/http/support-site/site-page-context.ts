import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Failure } from '@tss/service-kit';
import { CsrfTokens, pickLanguage, renderPlainPage, sendPage, type Language, type PlainPageKind } from '@tss/web-pages';
import type { SiteDeps } from '../../use-cases/site-deps';

/** What every support-site route shares: the use cases' deps, the stylesheet's address, the CSRF signer. */
export interface SitePageContext {
  deps: SiteDeps;
  stylesheetHref: string;
  csrf: CsrfTokens;
  /** Cookies get `Secure` when the site is served over HTTPS (TSS_PUBLIC_URL). */
  secureCookies: boolean;
}

/** The page language: the one known for the requester (a link's), else the browser's. */
export const languageOf = (request: FastifyRequest, known?: string): Language => pickLanguage(known, request.headers['accept-language']);

/** A plain refusal page (a bad link, a form not sent from its page): a heading and a sentence, with the pages' headers. */
export const sendPlainPage = (context: SitePageContext, reply: FastifyReply, kind: PlainPageKind, language: Language): FastifyReply => {
  const page = renderPlainPage(kind, language, context.stylesheetHref);
  return sendPage(reply, page.status, page.html);
};

/** The plain page for a failure no form can show: a bad or unknown link, a spent rate limit, or anything else. */
export const plainPageOf = (failure: Failure): PlainPageKind =>
  failure.kind === 'not_found' || failure.kind === 'bad_request' ? 'notFound' : failure.kind === 'rate_limited' ? 'busy' : 'error';

/**
 * The plain page for a failure of intake's: a spent rate limit is "Too many requests" (429) with
 * the Retry-After intake gave (docs/adr/0011 addendum), whatever form was posted.
 */
export const sendFailurePage = (context: SitePageContext, reply: FastifyReply, failure: Failure, language: Language): FastifyReply => {
  const retryAfterSeconds = failure.extensions?.retryAfterSeconds;
  if (failure.kind === 'rate_limited' && typeof retryAfterSeconds === 'number') reply.header('retry-after', String(retryAfterSeconds));
  return sendPlainPage(context, reply, plainPageOf(failure), language);
};

/** An Idempotency-Key for intake from what makes a post the same post: a repeat of one rendered form with the same content. */
export const idempotencyKeyOf = (...parts: readonly (string | Buffer)[]): string => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(createHash('sha256').update(part).digest());
  return `site-${hash.digest('base64url')}`;
};
