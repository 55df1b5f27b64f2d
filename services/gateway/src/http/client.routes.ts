import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { DataSource } from 'typeorm';
import { StaffLanguage, StaffRole, Text, VisibleText } from '@tss/contracts';
import type { Outbox, UnitOfWork } from '@tss/messaging';
import { failureResponses, NO_ACCESS_PARTICULARS_DOC, sendFailure, type AccessRule, type Clock, type TargetRefusal } from '@tss/service-kit';
import { createClient, disableClient, findClient, findEnabledClient, listClients, rotateClientSecret } from '../use-cases/manage-clients';
import { NewClientView, toClientView, toNewClientView } from './client.views';

const NewStaffClient = Type.Object(
  {
    roles: Type.Array(StaffRole, { minItems: 1, uniqueItems: true }),
    // Listed to admins and announced to every service that keeps staff (staff.*).
    displayName: Type.Optional(VisibleText({ maxLength: 200, description: `The staff member's name as lists show it. ${NO_ACCESS_PARTICULARS_DOC}` })),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
    /** The language of TSS's mail to them (escalation notices…); `en` when not given. Change it with PATCH /v1/staff/{staffId}. */
    language: Type.Optional(StaffLanguage),
  },
  { additionalProperties: false, examples: [{ roles: ['agent'], displayName: 'Dana Agent', email: 'dana@support.example', language: 'en' }] },
);
const ClientParams = Type.Object({ cid: Text({ maxLength: 200 }) });
const NOT_FOUND = failureResponses('not_found');
const ADMIN: AccessRule = { kinds: ['staff'], roles: ['admin'] };
const STAFF = { kind: 'staff' as const };

/** Support staff API clients (agents, team leads, developers, quality, admins), managed by admins. */
export const clientRoutes = (deps: { dataSource: DataSource; unitOfWork: UnitOfWork; outbox: Outbox; clock: Clock }) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const noClient = (reply: FastifyReply) => sendFailure(reply, { kind: 'not_found', detail: 'No such active staff client.' });
  // The precondition hook's look-up of the client a DELETE or rotation acts on (RFC 9110 §13.2.1).
  const clientFound: TargetRefusal = async (request, reply) => ((await findEnabledClient(deps, STAFF, (request.params as { cid: string }).cid)) ? undefined : noClient(reply));

  app.post(
    '/v1/clients',
    {
      schema: {
        tags: ['clients'],
        operationId: 'createStaffClient',
        summary: 'Create a staff API client with roles (admin); the secret is shown once',
        body: NewStaffClient,
        response: { 201: NewClientView },
      },
      config: { access: ADMIN, responseHeaders: { 201: ['Cache-Control'] } },
    },
    async (request, reply) => {
      const created = await createClient(deps, { kind: 'staff', ...request.body });
      if (!created.ok) return sendFailure(reply, created.error);
      const { client, clientSecret } = created.value;
      reply.header('cache-control', 'no-store');
      return reply.code(201).header('location', `/v1/clients/${client.clientId}`).send(toNewClientView(client, clientSecret));
    },
  );

  app.get(
    '/v1/clients',
    {
      schema: {
        tags: ['clients'],
        operationId: 'listStaffClients',
        summary: 'List staff API clients (admin)',
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('ApiClient')) }) },
      },
      config: { access: ADMIN },
    },
    async () => {
      return { items: (await listClients(deps, STAFF)).map(toClientView) };
    },
  );

  app.get(
    '/v1/clients/:cid',
    {
      schema: {
        tags: ['clients'],
        operationId: 'getStaffClient',
        summary: 'Read a staff API client (admin), as the list shows it; never its secret',
        params: ClientParams,
        response: { 200: Type.Ref('ApiClient'), ...NOT_FOUND },
      },
      config: { access: ADMIN },
    },
    async (request, reply) => {
      const client = await findClient(deps, STAFF, request.params.cid);
      if (!client) return sendFailure(reply, { kind: 'not_found', detail: 'No such staff client.' });
      return toClientView(client);
    },
  );

  app.delete(
    '/v1/clients/:cid',
    {
      schema: {
        tags: ['clients'],
        operationId: 'disableStaffClient',
        summary: 'Disable a staff client (admin); its tokens stop working at once',
        params: ClientParams,
        response: { 204: Type.Null({ description: 'Disabled' }), ...NOT_FOUND },
      },
      config: { access: ADMIN, preconditions: { refusedFirst: clientFound } },
    },
    async (request, reply) => {
      if (!(await disableClient(deps, STAFF, request.params.cid))) return noClient(reply);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/clients/:cid/rotate',
    {
      schema: {
        tags: ['clients'],
        operationId: 'rotateStaffClientSecret',
        summary: "Replace a staff client's secret (admin); the new one is shown once",
        params: ClientParams,
        response: { 200: NewClientView, ...NOT_FOUND },
      },
      // A retry with the key gets the client's Location, not the secret again (docs/adr/0028).
      config: { access: ADMIN, responseHeaders: { 200: ['Cache-Control'] }, withheldAnswerLocation: ({ cid }) => `/v1/clients/${cid}`, preconditions: { refusedFirst: clientFound } },
    },
    async (request, reply) => {
      const rotated = await rotateClientSecret(deps, STAFF, request.params.cid);
      if (!rotated) return noClient(reply);
      reply.header('cache-control', 'no-store');
      return toNewClientView(rotated.client, rotated.clientSecret);
    },
  );
};
