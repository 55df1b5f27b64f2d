import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import formbody from '@fastify/formbody';
import { Type } from '@sinclair/typebox';
import type { DataSource } from 'typeorm';
import { authorize, problemType, sendProblem, type Clock } from '@tss/service-kit';
import type { KeyRing } from '../store/key-ring';
import { issueClientToken, issueRequesterToken, type TokenSettings } from '../use-cases/issue-token';

const TokenRequest = Type.Object(
  {
    grant_type: Type.Optional(Type.String({ maxLength: 64 })),
    client_id: Type.Optional(Type.String({ maxLength: 200 })),
    client_secret: Type.Optional(Type.String({ maxLength: 500 })),
    scope: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { $id: 'TokenRequest', examples: [{ grant_type: 'client_credentials', client_id: 'pc_…', client_secret: '…' }] },
);
const TokenResponse = Type.Object(
  { access_token: Type.String(), token_type: Type.Literal('Bearer'), expires_in: Type.Integer(), scope: Type.String() },
  { $id: 'TokenResponse' },
);
const Jwks = Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) }, { $id: 'Jwks' });

const basicCredentials = (header: string | undefined): { id: string; secret: string } | undefined => {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
};

const RequesterTokenRequest = Type.Object(
  {
    requesterId: Type.String({ minLength: 1, maxLength: 200, description: "The partner's own id for its client" }),
  },
  { additionalProperties: false, examples: [{ requesterId: 'customer-8841' }] },
);
const KeyRotation = Type.Object({ kid: Type.String(), activeKids: Type.Array(Type.String()) });

export const authRoutes = (deps: { dataSource: DataSource; keys: KeyRing; clock: Clock; settings: TokenSettings; maxKeyAgeMs: number }) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  await app.register(formbody);
  app.post(
    '/v1/auth/token',
    {
      config: { public: true },
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
      await deps.keys.rotateIfOlderThan(deps.maxKeyAgeMs);
      const basic = basicCredentials(request.headers.authorization);
      const result = await issueClientToken(deps, {
        grantType: request.body.grant_type,
        clientId: basic?.id ?? request.body.client_id,
        clientSecret: basic?.secret ?? request.body.client_secret,
        scope: request.body.scope,
      });
      reply.header('cache-control', 'no-store');
      if (result.ok) return result.token;
      const status = result.error.error === 'invalid_client' ? 401 : 400;
      if (status === 401) reply.header('www-authenticate', 'Basic realm="tss"');
      // RFC 6749 §5.2 members inside an RFC 9457 problem document.
      return sendProblem(reply, {
        type: problemType(`oauth/${result.error.error}`),
        title: result.error.error === 'invalid_client' ? 'Client authentication failed' : 'Token request rejected',
        status,
        detail: result.error.description,
        error: result.error.error,
        error_description: result.error.description,
      });
    },
  );

  app.post(
    '/v1/auth/requester-token',
    {
      schema: {
        tags: ['auth'],
        operationId: 'issueRequesterToken',
        summary: "Mint a token for one of the partner's clients: it sees and files only that requester's tickets",
        security: [{ bearerAuth: [] }],
        body: RequesterTokenRequest,
        response: { 200: TokenResponse, 400: { $ref: 'Problem#' }, 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' } },
      },
    },
    async (request, reply) => {
      const principal = authorize(request, reply, { kinds: ['partner'], scopes: ['requesters:tokens'] });
      if (!principal) return reply;
      reply.header('cache-control', 'no-store');
      return issueRequesterToken(deps, { clientId: principal.clientId ?? principal.subject, partnerId: principal.partnerId ?? '', requesterId: request.body.requesterId });
    },
  );

  app.post(
    '/v1/auth/keys/rotate',
    {
      schema: {
        tags: ['auth'],
        operationId: 'rotateSigningKey',
        summary: 'Start signing with a new key (admin); the previous one stays published until no token can need it',
        security: [{ bearerAuth: [] }],
        response: { 200: KeyRotation, 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' } },
      },
    },
    async (request, reply) => {
      if (!authorize(request, reply, { kinds: ['staff'], roles: ['admin'] })) return reply;
      const kid = await deps.keys.rotate();
      const jwks = await deps.keys.jwks();
      return { kid, activeKids: jwks.keys.map((k) => k.kid) };
    },
  );

  app.get(
    '/.well-known/jwks.json',
    { config: { public: true }, schema: { tags: ['auth'], operationId: 'getJwks', summary: 'Public keys that verify TSS access tokens', response: { 200: Jwks } } },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=60');
      return deps.keys.jwks();
    },
  );
};
