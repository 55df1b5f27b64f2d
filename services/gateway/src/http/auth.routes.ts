import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import formbody from '@fastify/formbody';
import { Type } from '@sinclair/typebox';
import type { DataSource } from 'typeorm';
import { problemType, sendProblem, type Clock } from '@tss/service-kit';
import type { KeyRing } from '../store/key-ring';
import { issueClientToken, type TokenSettings } from '../use-cases/issue-token';

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

export const authRoutes = (deps: { dataSource: DataSource; keys: KeyRing; clock: Clock; settings: TokenSettings }) => async (fastify: FastifyInstance) => {
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

  app.get(
    '/.well-known/jwks.json',
    { config: { public: true }, schema: { tags: ['auth'], operationId: 'getJwks', summary: 'Public keys that verify TSS access tokens', response: { 200: Jwks } } },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=60');
      return deps.keys.jwks();
    },
  );
};
