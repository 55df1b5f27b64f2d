import type { FastifyInstance } from 'fastify';
import swaggerUi from '@fastify/swagger-ui';

/** Public paths of the API documentation. */
export const API_DOCS_PREFIXES = ['/docs', '/openapi.json', '/openapi.yaml'] as const;

/** The OpenAPI document at `/openapi.json` and `/openapi.yaml`, and its UI at `/docs`. */
export const installApiDocs = async (app: FastifyInstance): Promise<void> => {
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true, persistAuthorization: true } });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  app.get('/openapi.yaml', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    reply.type('application/yaml').send(app.swagger({ yaml: true })),
  );
};
