import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { DataSource } from 'typeorm';
import type { Outbox, UnitOfWork } from '@tss/messaging';
import { authorize, problemType, sendProblem, type Clock } from '@tss/service-kit';
import { PartnerEntity } from '../store/gateway.entities';
import { createClient, createPartner } from '../use-cases/manage-clients';

const PartnerView = Type.Object(
  { id: Type.String({ format: 'uuid' }), name: Type.String(), active: Type.Boolean(), createdAt: Type.String({ format: 'date-time' }) },
  { $id: 'Partner' },
);
const NewClientView = Type.Object(
  {
    clientId: Type.String(),
    clientSecret: Type.String({ description: 'Shown once; store it now' }),
    partnerId: Type.String({ format: 'uuid' }),
  },
  { $id: 'NewPartnerClient' },
);
const ADMIN_PROBLEMS = { 400: { $ref: 'Problem#' }, 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' } } as const;

export const partnerRoutes = (deps: { dataSource: DataSource; unitOfWork: UnitOfWork; outbox: Outbox; clock: Clock }) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(PartnerView);
  const toView = (p: { id: string; name: string; active: boolean; createdAt: Date }) => ({ ...p, createdAt: p.createdAt.toISOString() });

  app.post(
    '/v1/partners',
    {
      schema: {
        tags: ['partners'],
        operationId: 'createPartner',
        summary: 'Register a partner (admin)',
        security: [{ bearerAuth: [] }],
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 201: PartnerView, ...ADMIN_PROBLEMS },
      },
    },
    async (request, reply) => {
      if (!authorize(request, reply, { kinds: ['staff'], roles: ['admin'] })) return reply;
      const partner = await createPartner(deps, request.body.name);
      return reply.code(201).header('location', `/v1/partners/${partner.id}`).send(toView(partner));
    },
  );

  app.get(
    '/v1/partners',
    {
      schema: {
        tags: ['partners'],
        operationId: 'listPartners',
        summary: 'List partners (admin)',
        security: [{ bearerAuth: [] }],
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('Partner')) }), ...ADMIN_PROBLEMS },
      },
    },
    async (request, reply) => {
      if (!authorize(request, reply, { kinds: ['staff'], roles: ['admin'] })) return reply;
      const partners = await deps.dataSource.getRepository(PartnerEntity).find({ order: { createdAt: 'ASC' } });
      return { items: partners.map(toView) };
    },
  );

  app.post(
    '/v1/partners/:id/clients',
    {
      schema: {
        tags: ['partners'],
        operationId: 'createPartnerClient',
        summary: "Create an API client for a partner (admin); the secret is shown once",
        security: [{ bearerAuth: [] }],
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 201: NewClientView, 404: { $ref: 'Problem#' }, ...ADMIN_PROBLEMS },
      },
    },
    async (request, reply) => {
      if (!authorize(request, reply, { kinds: ['staff'], roles: ['admin'] })) return reply;
      const partner = await deps.dataSource.getRepository(PartnerEntity).findOneBy({ id: request.params.id });
      if (!partner) return sendProblem(reply, { type: problemType('not-found'), title: 'Not Found', status: 404, detail: 'No such partner.' });
      const { client, clientSecret } = await createClient(deps, { kind: 'partner', partnerId: partner.id });
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({ clientId: client.clientId, clientSecret, partnerId: partner.id });
    },
  );
};
