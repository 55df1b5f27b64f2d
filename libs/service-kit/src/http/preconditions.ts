import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { failedPrecondition, type RequestConditions } from '../entity-tags';

/**
 * The route's own refusals that come before it changes anything: its resource missing or another
 * partner's (its 404), or its own credential bad (its 401). Sends that refusal, exactly as the
 * handler would, and returns the reply; undefined when the request gets past them. Read-only.
 */
export type TargetRefusal = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * `route`: the route evaluates If-Match and If-None-Match itself, against its resource's ETag or
     * whether it exists (or forwards them to the service that does). Otherwise the resource has no
     * ETag, and the app's hook (installPreconditions) evaluates them on a state-changing method;
     * `refusedFirst` names how the route finds its target, so that the hook answers as the route
     * would where the target is missing, foreign or its credential bad (RFC 9110 §13.2.1).
     */
    preconditions?: 'route' | { refusedFirst: TargetRefusal };
  }
}

/** Methods that change nothing: a condition on them decides a 304 or 412 where an ETag is sent (conditional-get.ts), never the hook's. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const headerOf = (request: FastifyRequest, name: 'if-match' | 'if-none-match'): string | undefined => {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
};

/** The If-Match and If-None-Match a request carries. */
export const conditionsOf = (request: FastifyRequest): RequestConditions => ({ ifMatch: headerOf(request, 'if-match'), ifNoneMatch: headerOf(request, 'if-none-match') });

const DETAILS = {
  'if-match': 'If-Match names a version this resource does not have: it has no ETag, so only `If-Match: *` can match (RFC 9110 §13.1.1). Nothing was changed.',
  'if-none-match': 'If-None-Match: * asks that no current representation exist, and this resource has one (RFC 9110 §13.1.2). Nothing was changed.',
} as const;

/**
 * RFC 9110 §13.2.2 on every state-changing request to a resource without an ETag, before its
 * handler changes anything: If-Match naming a tag is false, If-None-Match `*` names the resource
 * that is there, and either is a 412 `precondition-failed`. Thrown, so the app's error handler
 * answers it as a problem and a person's page area as its page. A preHandler of the app: after
 * authentication and validation (their 401, 403 and 400 come first, §13.2.1), before the handlers
 * and the hooks of the services' scopes (an Idempotency-Key is not claimed for it).
 *
 * §13.2.1 also has the conditions ignored where the answer without them would be a refusal: a
 * target that is missing or another partner's (which must look exactly like missing) is the
 * route's 404, a credential the route checks itself its 401, with or without them. So a route with
 * a target says how it is found (`config: { preconditions: { refusedFirst } }`), and the hook asks
 * it once a condition would fail: its refusal is the answer, else the 412. Only a failing
 * condition costs that look-up, and the handler never runs on one. Routes whose resource has an
 * ETag say `config: { preconditions: 'route' }` and evaluate both headers against it (failedPrecondition).
 */
export const installPreconditions = (app: FastifyInstance): void => {
  app.addHook('preHandler', async (request, reply) => {
    const declared = request.routeOptions.config?.preconditions;
    if (SAFE_METHODS.has(request.method) || !request.routeOptions.url || declared === 'route') return;
    const failed = failedPrecondition(conditionsOf(request), { exists: true, etags: [] });
    if (!failed) return;
    if (declared && (await declared.refusedFirst(request, reply))) return reply;
    throw Object.assign(new Error(DETAILS[failed]), { statusCode: 412, code: 'precondition-failed' });
  });
};
