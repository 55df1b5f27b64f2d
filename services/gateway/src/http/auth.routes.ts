import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import formbody from '@fastify/formbody';
import { Type, type Static } from '@sinclair/typebox';
import type { DataSource } from 'typeorm';
import { Text, VisibleText } from '@tss/contracts';
import { PROBLEM_CONTENT_TYPE, principalOf, problemType, scopeOf, sendProblem, type Clock, type TargetRefusal, namedPlugin } from '@tss/service-kit';
import type { KeyRing } from '../store/key-ring';
import type { SecretVerifier } from '../domain/client-secret';
import { authenticateClient, issueClientToken, issueRequesterToken, type ClientTokenRequest, type TokenError, type TokenSettings } from '../use-cases/issue-token';
import { basicCredentials } from './basic-credentials';

/** How long a fetched JWKS may be served as fresh (its Cache-Control max-age). */
export const JWKS_HTTP_MAX_AGE_SECONDS = 60;

const TokenRequest = Type.Object(
  {
    // Optional at the schema: a missing grant_type is answered as RFC 6749 §5.2 invalid_request, in the OAuth vocabulary.
    grant_type: Type.Optional(Text({ maxLength: 64, examples: ['client_credentials'] })),
    client_id: Type.Optional(Text({ maxLength: 200 })),
    client_secret: Type.Optional(Text({ maxLength: 500 })),
    scope: Type.Optional(Text({ maxLength: 1000 })),
  },
  { $id: 'TokenRequest', examples: [{ grant_type: 'client_credentials', client_id: 'pc_…', client_secret: '…' }] },
);
const TokenResponse = Type.Object(
  { access_token: Type.String(), token_type: Type.Literal('Bearer'), expires_in: Type.Integer(), scope: Type.String() },
  { $id: 'TokenResponse' },
);
const Jwks = Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) }, { $id: 'Jwks' });

const RequesterTokenRequest = Type.Object(
  {
    requesterId: VisibleText({ maxLength: 200, description: "The partner's own id for its client" }),
    email: Type.Optional(
      Type.String({
        format: 'email',
        maxLength: 320,
        description:
          "The client's e-mail address, as the partner knows it: tickets the token files are acknowledged there, and may name no other (docs/auth.md). Without it, the token's tickets name no address.",
      }),
    ),
  },
  { additionalProperties: false, examples: [{ requesterId: 'customer-8841', email: 'ann@example.com' }] },
);
const KeyRotation = Type.Object({
  kid: Type.String(),
  signsFrom: Type.String({ format: 'date-time', description: 'The new key is published now and signs from then (pre-publication, docs/adr/0014)' }),
  activeKids: Type.Array(Type.String()),
});

export interface AuthRouteDeps {
  dataSource: DataSource;
  keys: KeyRing;
  clock: Clock;
  settings: TokenSettings;
  maxKeyAgeMs: number;
  verifySecret?: SecretVerifier;
}

/** RFC 6749 §5.2 members inside an RFC 9457 problem document. */
const sendTokenError = (reply: FastifyReply, error: TokenError, status: 400 | 401) => {
  if (status === 401) reply.header('www-authenticate', 'Basic realm="tss"');
  return sendProblem(reply, {
    type: problemType(`oauth/${error.error}`),
    title: error.error === 'invalid_client' ? 'Client authentication failed' : 'Token request rejected',
    status,
    detail: error.description,
    error: error.error,
    error_description: error.description,
  });
};

/** A refusal's status: a client that failed to authenticate is a 401, any other refusal a 400 (RFC 6749 §5.2). */
const statusOfTokenError = (error: TokenError): 400 | 401 => (error.error === 'invalid_client' ? 401 : 400);

type TokenBody = Static<typeof TokenRequest>;

/**
 * The grant and client credentials a token request sends, in HTTP Basic or in the body (RFC 6749
 * §2.3.1): malformed credentials are the caller's mistake, not a failed authentication (400, not
 * 401), and so is a second method beside Basic.
 */
const tokenRequestOf = (authorization: string | undefined, body: TokenBody): { ok: true; value: ClientTokenRequest } | { ok: false; error: TokenError } => {
  const basic = basicCredentials(authorization);
  if (!basic.ok) return { ok: false, error: { error: 'invalid_client', description: basic.error } };
  // RFC 6749 §2.3: one authentication method per request; a client_id beside Basic may only repeat it.
  if (basic.value && (body.client_secret !== undefined || (body.client_id !== undefined && body.client_id !== basic.value.id))) {
    return { ok: false, error: { error: 'invalid_request', description: 'Authenticate with HTTP Basic or with client_id and client_secret in the body, not both.' } };
  }
  return { ok: true, value: { grantType: body.grant_type, clientId: basic.value?.id ?? body.client_id, clientSecret: basic.value?.secret ?? body.client_secret, scope: body.scope } };
};

/** Statuses the request's own checks answer before the handler runs (schema, media type, size). */
const REQUEST_CHECK_STATUSES = new Set([400, 413, 415]);

/**
 * The token endpoint's answers are never cached, and every refusal carries RFC 6749 §5.2 `error`
 * (docs/auth.md), including those of the schema, the body parser and the size limit, which the
 * app-wide handler answers as plain problems before the handler runs: `invalid_request`.
 */
const tokenEndpointOnSend = async (_request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
  reply.header('cache-control', 'no-store');
  if (!REQUEST_CHECK_STATUSES.has(reply.statusCode) || typeof payload !== 'string' || !String(reply.getHeader('content-type') ?? '').startsWith(PROBLEM_CONTENT_TYPE)) return payload;
  const problem = JSON.parse(payload) as Record<string, unknown>;
  if (problem.error !== undefined) return payload;
  return JSON.stringify({ ...problem, error: 'invalid_request', error_description: problem.detail ?? problem.title });
};

/**
 * RFC 6749 §4.4.2: the token request is a form (JSON too). Its own scope, so that the form parser
 * serves this route alone: every other auth route takes JSON, and a form sent to one of them is a
 * 415, as on every other JSON route.
 */
const tokenEndpoint = (deps: AuthRouteDeps) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  await app.register(formbody);
  // The endpoint checks the client's credentials itself: with If-Match or If-None-Match that would
  // fail, a request it refuses gets that 400 or 401 all the same (RFC 9110 §13.2.1). Issues nothing.
  const refusedFirst: TargetRefusal = async (request, reply) => {
    // The body passed the route's schema before any preHandler ran.
    const sent = tokenRequestOf(request.headers.authorization, request.body as TokenBody);
    if (!sent.ok) return sendTokenError(reply, sent.error, 400);
    const authenticated = await authenticateClient(deps, sent.value);
    return authenticated.ok ? undefined : sendTokenError(reply, authenticated.error, statusOfTokenError(authenticated.error));
  };
  app.post(
    '/v1/auth/token',
    {
      config: { public: true, responseHeaders: { every: ['Cache-Control'] }, preconditions: { refusedFirst } },
      onSend: tokenEndpointOnSend,
      schema: {
        tags: ['auth'],
        operationId: 'issueToken',
        summary: 'OAuth 2.0 client credentials: exchange a client id and secret for an access token',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: TokenRequest,
        response: { 200: TokenResponse, 400: { $ref: 'Problem#' }, 401: { $ref: 'Problem#' } },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const sent = tokenRequestOf(request.headers.authorization, request.body);
      if (!sent.ok) return sendTokenError(reply, sent.error, 400);
      await deps.keys.rotateIfOlderThan(deps.maxKeyAgeMs);
      const result = await issueClientToken(deps, sent.value);
      if (result.ok) return result.token;
      return sendTokenError(reply, result.error, statusOfTokenError(result.error));
    },
  );
};

export const authRoutes = (deps: AuthRouteDeps) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  await app.register(namedPlugin('tokenEndpoint', tokenEndpoint(deps)));

  app.post(
    '/v1/auth/requester-token',
    {
      // A token stored nowhere: each try mints another, harmless, and its answer must not be kept (docs/adr/0028).
      config: { access: { kinds: ['partner'], scopes: ['requesters:tokens'] }, idempotency: false, responseHeaders: { 200: ['Cache-Control'] } },
      schema: {
        tags: ['auth'],
        operationId: 'issueRequesterToken',
        summary: "Mint a token for one of the partner's clients: it sees and files only that requester's tickets",
        body: RequesterTokenRequest,
        response: { 200: TokenResponse },
      },
    },
    async (request, reply) => {
      const { partnerId } = scopeOf(request, 'partner');
      const principal = principalOf(request);
      reply.header('cache-control', 'no-store');
      return issueRequesterToken(deps, { clientId: principal.clientId ?? principal.subject, partnerId, requesterId: request.body.requesterId, email: request.body.email });
    },
  );

  app.post(
    '/v1/auth/keys/rotate',
    {
      config: { access: { kinds: ['staff'], roles: ['admin'] } },
      schema: {
        tags: ['auth'],
        operationId: 'rotateSigningKey',
        summary: 'Publish a new signing key (admin); it signs once verifiers have fetched it, the previous one stays published until no token can need it',
        response: { 200: KeyRotation },
      },
    },
    async () => {
      const { kid, signsFrom } = await deps.keys.rotate();
      const jwks = await deps.keys.jwks();
      return { kid, signsFrom: signsFrom.toISOString(), activeKids: jwks.keys.map((k) => k.kid) };
    },
  );

  app.get(
    '/.well-known/jwks.json',
    { config: { public: true, responseHeaders: { 200: ['Cache-Control'] } }, schema: { tags: ['auth'], operationId: 'getJwks', summary: 'Public keys that verify TSS access tokens', response: { 200: Jwks } } },
    async (_request, reply) => {
      reply.header('cache-control', `public, max-age=${JWKS_HTTP_MAX_AGE_SECONDS}`);
      return deps.keys.jwks();
    },
  );
};
