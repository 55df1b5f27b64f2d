import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { checkAccess } from '../http/scope';
import { sendFailure, sendProblem } from '../problem';
import { problemType } from '../problem-types';
import type { Principal } from './principal';
import type { AccessTokenVerifier } from './token-verifier';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Reachable without a token (health, docs, the token endpoint). */
    public?: boolean;
  }
}

const bearerToken = (request: FastifyRequest): string | undefined => {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer ([A-Za-z0-9\-_.~+/]+=*)$/i.exec(header.trim());
  return match?.[1];
};

/** A refusal decided by authentication, answered once the rate limit has counted the request. */
type Refusal = (reply: FastifyReply) => FastifyReply;

/**
 * Every route needs a verified access token unless it is marked `config: { public: true }`
 * (or lies under one of `publicPrefixes`, such as the docs UI). Unknown routes fall through to 404.
 * A route that declares `config: { access }` gets its typed `request.scope` here, or the caller a
 * 403: one place decides tenancy, before the body is read (http/scope.ts).
 *
 * The token is verified in an `onRequest` hook, but a refusal (401, 403) is answered in a
 * route-level `preParsing` hook added after those of the edge (docs/adr/0011): the rate limit,
 * which sits between the two, counts a refused request too, by address when it has no valid token.
 */
export const installAuthentication = (app: FastifyInstance, verifier: AccessTokenVerifier, publicPrefixes: readonly string[] = []): void => {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('scope', undefined);
  const refusals = new WeakMap<FastifyRequest, Refusal>();
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public) return;
    if (!request.routeOptions.url) return; // no such route: the 404 handler answers
    const path = request.url.split('?')[0];
    if (publicPrefixes.some((p) => path === p || path.startsWith(`${p}/`))) return;
    const result = await verifier.verify(bearerToken(request));
    if (!result.ok) {
      const missing = result.error.kind === 'missing';
      refusals.set(request, (reply) => {
        reply.header('www-authenticate', missing ? 'Bearer realm="tss"' : 'Bearer realm="tss", error="invalid_token"');
        return sendProblem(reply, {
          type: problemType('unauthorized'),
          title: 'Unauthorized',
          status: 401,
          detail: missing ? 'A bearer access token is required.' : 'The access token is not valid.',
        });
      });
      return;
    }
    request.principal = result.value;
    const rule = request.routeOptions.config?.access;
    if (!rule) return;
    const scope = checkAccess(result.value, rule);
    if (!scope.ok) {
      refusals.set(request, (reply) => sendFailure(reply, scope.error));
      return;
    }
    request.scope = scope.value;
  });
  const refuse = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => refusals.get(request)?.(reply);
  // After the hooks that routes already carry (the edge's rate limit), before the body is read.
  app.addHook('onRoute', (route: RouteOptions) => {
    route.preParsing = [...(route.preParsing === undefined ? [] : Array.isArray(route.preParsing) ? route.preParsing : [route.preParsing]), refuse];
  });
  // A route registered before this (none is, but nothing then reaches a handler unauthenticated).
  app.addHook('preValidation', refuse);
};

/** The caller, for handlers behind authentication. */
export const principalOf = (request: FastifyRequest): Principal => {
  if (!request.principal) throw new Error('route reached without authentication');
  return request.principal;
};
