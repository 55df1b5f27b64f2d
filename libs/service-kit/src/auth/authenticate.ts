import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkAccess } from '../http/scope';
import { problemType, sendFailure, sendProblem } from '../problem';
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

/**
 * Every route needs a verified access token unless it is marked `config: { public: true }`
 * (or lies under one of `publicPrefixes`, such as the docs UI). Unknown routes fall through to 404.
 * A route that declares `config: { access }` gets its typed `request.scope` here, or the caller a
 * 403: one place decides tenancy, before the body is read (http/scope.ts).
 */
export const installAuthentication = (app: FastifyInstance, verifier: AccessTokenVerifier, publicPrefixes: readonly string[] = []): void => {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('scope', undefined);
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config?.public) return;
    if (!request.routeOptions.url) return; // no such route: the 404 handler answers
    const path = request.url.split('?')[0];
    if (publicPrefixes.some((p) => path === p || path.startsWith(`${p}/`))) return;
    const result = await verifier.verify(bearerToken(request));
    if (!result.ok) {
      reply.header('www-authenticate', result.error.kind === 'missing' ? 'Bearer realm="tss"' : 'Bearer realm="tss", error="invalid_token"');
      return sendProblem(reply, {
        type: problemType('unauthorized'),
        title: 'Unauthorized',
        status: 401,
        detail: result.error.kind === 'missing' ? 'A bearer access token is required.' : 'The access token is not valid.',
      });
    }
    request.principal = result.value;
    const rule = request.routeOptions.config?.access;
    if (!rule) return;
    const scope = checkAccess(result.value, rule);
    if (!scope.ok) return sendFailure(reply, scope.error);
    request.scope = scope.value;
  });
};

/** The caller, for handlers behind authentication. */
export const principalOf = (request: FastifyRequest): Principal => {
  if (!request.principal) throw new Error('route reached without authentication');
  return request.principal;
};
