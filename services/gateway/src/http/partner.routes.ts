import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { DataSource } from 'typeorm';
import { Text, VisibleText } from '@tss/contracts';
import type { Outbox, UnitOfWork } from '@tss/messaging';
import { failureResponses, NO_ACCESS_PARTICULARS_DOC, sendFailure, type AccessRule, type Clock, type TargetRefusal } from '@tss/service-kit';
import { createClient, createPartner, disableClient, findClient, findEnabledClient, findPartner, listClients, listPartners, rotateClientSecret, updatePartner } from '../use-cases/manage-clients';
import { NewClientView, toClientView, toNewClientView } from './client.views';

const PartnerView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    active: Type.Boolean(),
    siteEnabled: Type.Boolean({ description: 'Its public new-request form on the support site (`/support/new?partner={id}`) is open' }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Partner' },
);
/** Listed to admins, shown on the partner's support site and announced to every service (partner.*). */
const PartnerName = VisibleText({ maxLength: 200, description: `The partner's name. ${NO_ACCESS_PARTICULARS_DOC}` });
const PartnerPatch = Type.Object(
  {
    name: Type.Optional(PartnerName),
    siteEnabled: Type.Optional(Type.Boolean({ description: 'Open or close the partner’s new-request form on the support site (default closed)' })),
    active: Type.Optional(
      Type.Boolean({
        description:
          'false deactivates the partner (ending its contract): its clients get no token, and every token they hold or minted (requester tokens too) is refused at once and stays refused; its tickets stay readable by staff. true reactivates it: its clients get new tokens again (docs/auth.md)',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ siteEnabled: true }, { active: false }] },
);
const PartnerParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const PartnerClientParams = Type.Object({ id: Type.String({ format: 'uuid' }), cid: Text({ maxLength: 200 }) });
const NOT_FOUND = failureResponses('not_found');
const ADMIN: AccessRule = { kinds: ['staff'], roles: ['admin'] };

export const partnerRoutes = (deps: { dataSource: DataSource; unitOfWork: UnitOfWork; outbox: Outbox; clock: Clock }) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(PartnerView);
  const toView = (p: { id: string; name: string; active: boolean; siteEnabled: boolean; createdAt: Date }) => ({
    id: p.id,
    name: p.name,
    active: p.active,
    siteEnabled: p.siteEnabled,
    createdAt: p.createdAt.toISOString(),
  });
  const noPartner = (reply: FastifyReply) => sendFailure(reply, { kind: 'not_found', detail: 'No such partner.' });
  const noClient = (reply: FastifyReply) => sendFailure(reply, { kind: 'not_found', detail: 'No such active client of this partner.' });
  // How the routes below find their partner and client: the app's precondition hook answers their
  // 404 when a condition would fail on a missing one (RFC 9110 §13.2.1, service-kit preconditions.ts).
  const paramsOf = (request: FastifyRequest) => request.params as { id: string; cid?: string };
  const partnerFound: TargetRefusal = async (request, reply) => ((await findPartner(deps, paramsOf(request).id)) ? undefined : noPartner(reply));
  const clientFound: TargetRefusal = async (request, reply) => {
    const { id, cid = '' } = paramsOf(request);
    return (await findEnabledClient(deps, { kind: 'partner', partnerId: id }, cid)) ? undefined : noClient(reply);
  };

  app.post(
    '/v1/partners',
    {
      schema: {
        tags: ['partners'],
        operationId: 'createPartner',
        summary: 'Register a partner (admin)',
        body: Type.Object({ name: PartnerName }, { additionalProperties: false, examples: [{ name: 'Acme Books' }] }),
        response: { 201: PartnerView },
      },
      config: { access: ADMIN },
    },
    async (request, reply) => {
      const created = await createPartner(deps, request.body.name);
      if (!created.ok) return sendFailure(reply, created.error);
      return reply.code(201).header('location', `/v1/partners/${created.value.id}`).send(toView(created.value));
    },
  );

  app.get(
    '/v1/partners',
    {
      schema: {
        tags: ['partners'],
        operationId: 'listPartners',
        summary: 'List partners (admin)',
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('Partner')) }) },
      },
      config: { access: ADMIN },
    },
    async () => ({ items: (await listPartners(deps)).map(toView) }),
  );

  app.get(
    '/v1/partners/:id',
    {
      schema: {
        tags: ['partners'],
        operationId: 'getPartner',
        summary: 'Read a partner (admin): as the list shows it',
        params: PartnerParams,
        response: { 200: Type.Ref('Partner'), ...NOT_FOUND },
      },
      config: { access: ADMIN },
    },
    async (request, reply) => {
      const partner = await findPartner(deps, request.params.id);
      if (!partner) return noPartner(reply);
      return toView(partner);
    },
  );

  app.patch(
    '/v1/partners/:id',
    {
      schema: {
        tags: ['partners'],
        operationId: 'updatePartner',
        summary: "Rename a partner, open/close its support site's new-request form, or deactivate/reactivate it (admin)",
        params: PartnerParams,
        body: PartnerPatch,
        response: { 200: Type.Ref('Partner'), ...NOT_FOUND },
      },
      config: { access: ADMIN, preconditions: { refusedFirst: partnerFound } },
    },
    async (request, reply) => {
      const updated = await updatePartner(deps, request.params.id, request.body);
      return updated.ok ? toView(updated.value) : sendFailure(reply, updated.error);
    },
  );

  app.post(
    '/v1/partners/:id/clients',
    {
      schema: {
        tags: ['partners'],
        operationId: 'createPartnerClient',
        summary: 'Create an API client for a partner (admin); the secret is shown once. A deactivated partner gets none (409)',
        params: PartnerParams,
        response: { 201: NewClientView, ...NOT_FOUND, ...failureResponses('conflict') },
      },
      config: { access: ADMIN, responseHeaders: { 201: ['Cache-Control'] }, preconditions: { refusedFirst: partnerFound } },
    },
    async (request, reply) => {
      const partner = await findPartner(deps, request.params.id);
      if (!partner) return noPartner(reply);
      if (!partner.active) return sendFailure(reply, { kind: 'conflict', detail: 'The partner is deactivated: reactivate it (PATCH active: true) first.' });
      const created = await createClient(deps, { kind: 'partner', partnerId: partner.id });
      if (!created.ok) return sendFailure(reply, created.error);
      const { client, clientSecret } = created.value;
      reply.header('cache-control', 'no-store');
      return reply.code(201).header('location', `/v1/partners/${partner.id}/clients/${client.clientId}`).send(toNewClientView(client, clientSecret));
    },
  );

  app.get(
    '/v1/partners/:id/clients',
    {
      schema: {
        tags: ['partners'],
        operationId: 'listPartnerClients',
        summary: "List a partner's API clients (admin); secrets are never shown again",
        params: PartnerParams,
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('ApiClient')) }), ...NOT_FOUND },
      },
      config: { access: ADMIN },
    },
    async (request, reply) => {
      // A deactivated partner's clients too: staff still read what it had.
      if (!(await findPartner(deps, request.params.id))) return noPartner(reply);
      return { items: (await listClients(deps, { kind: 'partner', partnerId: request.params.id })).map(toClientView) };
    },
  );

  app.get(
    '/v1/partners/:id/clients/:cid',
    {
      schema: {
        tags: ['partners'],
        operationId: 'getPartnerClient',
        summary: "Read a partner's API client (admin), as the list shows it; never its secret",
        params: PartnerClientParams,
        response: { 200: Type.Ref('ApiClient'), ...NOT_FOUND },
      },
      config: { access: ADMIN },
    },
    async (request, reply) => {
      // As the list: the clients of a partner, active or not, the disabled ones too.
      const client = (await findPartner(deps, request.params.id)) ? await findClient(deps, { kind: 'partner', partnerId: request.params.id }, request.params.cid) : undefined;
      if (!client) return sendFailure(reply, { kind: 'not_found', detail: 'No such client of this partner.' });
      return toClientView(client);
    },
  );

  app.delete(
    '/v1/partners/:id/clients/:cid',
    {
      schema: {
        tags: ['partners'],
        operationId: 'disablePartnerClient',
        summary: 'Disable a partner client (admin); its tokens stop working at once',
        params: PartnerClientParams,
        response: { 204: Type.Null({ description: 'Disabled' }), ...NOT_FOUND },
      },
      config: { access: ADMIN, preconditions: { refusedFirst: clientFound } },
    },
    async (request, reply) => {
      const disabled = await disableClient(deps, { kind: 'partner', partnerId: request.params.id }, request.params.cid);
      if (!disabled) return noClient(reply);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/partners/:id/clients/:cid/rotate',
    {
      schema: {
        tags: ['partners'],
        operationId: 'rotatePartnerClientSecret',
        summary: "Replace a partner client's secret (admin); the new one is shown once, the old one and its tokens stop working",
        params: PartnerClientParams,
        response: { 200: NewClientView, ...NOT_FOUND },
      },
      // A retry with the key gets the client's Location, not the secret again (docs/adr/0028).
      config: {
        access: ADMIN,
        responseHeaders: { 200: ['Cache-Control'] },
        withheldAnswerLocation: ({ id, cid }) => `/v1/partners/${id}/clients/${cid}`,
        preconditions: { refusedFirst: clientFound },
      },
    },
    async (request, reply) => {
      const rotated = await rotateClientSecret(deps, { kind: 'partner', partnerId: request.params.id }, request.params.cid);
      if (!rotated) return noClient(reply);
      reply.header('cache-control', 'no-store');
      return toNewClientView(rotated.client, rotated.clientSecret);
    },
  );
};
