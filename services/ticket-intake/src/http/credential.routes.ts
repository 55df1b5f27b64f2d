import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { failureResponses, scopeOf, sendFailure, type AccessRule, type RequestScope } from '@tss/service-kit';
import { findTicketFor } from '../use-cases/find-ticket';
import type { CredentialMetadata } from '../store/credential.store';
import { listCredentials, revealCredential, storeCredential, type CredentialDeps, type CredentialGone } from '../use-cases/credentials';
import {
  CredentialList,
  CredentialParams,
  CredentialSummary,
  CredentialTicketParams,
  RevealedCredentialView,
  StoreCredentialBody,
  StoredCredential,
} from './credential.schemas';
import { ticketFoundFor } from './ticket-found';

const READ: AccessRule = { kinds: ['partner', 'requester', 'staff'], scopes: ['tickets:read'] };
const WRITE: AccessRule = { kinds: ['partner', 'requester', 'staff'], scopes: ['tickets:write'] };
// P9: only support staff who work tickets see a secret; partners, requesters and read-only roles get 403.
const REVEAL: AccessRule = { kinds: ['staff'], scopes: ['tickets:write'] };

/**
 * Where the creator of a credential reads it (docs/adr/0065: a Location its caller can GET). Staff
 * (who hand particulars over with `tickets:write`, as a reveal asks) read the credential itself; a
 * partner or requester may never read a secret (P9), so theirs names the ticket's credential list,
 * which holds it by its id, as an upload of several files names the attachment list.
 */
const locationFor = (scope: Pick<RequestScope, 'kind'>, ticketId: string, credentialId: string): string =>
  scope.kind === 'staff' ? `/v1/tickets/${ticketId}/credentials/${credentialId}` : `/v1/tickets/${ticketId}/credentials`;

const sendGone = (reply: FastifyReply, gone: CredentialGone): FastifyReply =>
  sendFailure(reply, { kind: 'gone', detail: gone.detail, extensions: { destroyedAt: gone.destroyedAt.toISOString() } });

const toSummary = (c: CredentialMetadata): CredentialSummary => ({
  id: c.id,
  label: c.label,
  kind: c.kind,
  status: c.destroyedAt ? 'destroyed' : 'stored',
  createdBy: c.createdBy.kind,
  visibility: c.visibility,
  createdAt: c.createdAt.toISOString(),
  ...(c.destroyAfter && !c.destroyedAt ? { destroyAfter: c.destroyAfter.toISOString() } : {}),
  ...(c.destroyedAt ? { destroyedAt: c.destroyedAt.toISOString() } : {}),
});

/** The credentials vault (P9): hand over access particulars, list them, and (staff) reveal them. */
export const credentialRoutes = (deps: CredentialDeps) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(CredentialSummary);

  app.post(
    '/v1/tickets/:id/credentials',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'storeTicketCredentials',
        summary: 'Hand over access particulars for a ticket; stored encrypted, never shown in lists or threads (P9)',
        description:
          "`Location` names where the caller reads what it handed over: for staff the credential itself (`GET …/credentials/{cid}` reveals it, audited); " +
          "for a partner or requester, who may never read a secret (P9), the ticket's credential list, which holds it by its `id`.",
        params: CredentialTicketParams,
        body: StoreCredentialBody,
        response: { 201: StoredCredential, ...failureResponses('invalid_reference', 'not_found', 'conflict', 'unprocessable') },
      },
      // P9: what is sealed and destroyed never enters the Idempotency-Key's fingerprint, kept 24 h (docs/adr/0028).
      config: { access: WRITE, sealedBodyMembers: ['login', 'secret', 'note'], responseHeaders: { 201: ['Cache-Control'] }, preconditions: { refusedFirst: ticketFoundFor(deps.dataSource) } },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'partner', 'requester', 'staff');
      const { label, login, secret, note } = request.body;
      const ticket = await findTicketFor(deps.dataSource.manager, scope, request.params.id);
      if (!ticket.ok) return sendFailure(reply, ticket.error);
      const stored = await storeCredential(deps, { scope, ticketId: ticket.value.id, label, login, secret, note });
      if (!stored.ok) return sendFailure(reply, stored.error);
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .header('location', locationFor(scope, stored.value.ticketId, stored.value.id))
        .send({
          id: stored.value.id,
          label: stored.value.label,
          createdAt: stored.value.createdAt.toISOString(),
          ...(stored.value.destroyAfter ? { destroyAfter: stored.value.destroyAfter.toISOString() } : {}),
        });
    },
  );

  app.get(
    '/v1/tickets/:id/credentials',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'listTicketCredentials',
        summary: "List a ticket's stored access particulars: labels and dates, never the secrets",
        params: CredentialTicketParams,
        response: { 200: CredentialList, ...failureResponses('invalid_reference', 'not_found') },
      },
      config: { access: READ },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'partner', 'requester', 'staff');
      const ticket = await findTicketFor(deps.dataSource.manager, scope, request.params.id);
      if (!ticket.ok) return sendFailure(reply, ticket.error);
      const listed = await listCredentials(deps, { scope, ticketId: ticket.value.id });
      if (!listed.ok) return sendFailure(reply, listed.error);
      return { items: listed.value.map(toSummary) };
    },
  );

  app.get(
    '/v1/tickets/:id/credentials/:cid',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'revealTicketCredential',
        summary: 'Reveal access particulars to support staff; every reveal is audited in the ticket history (P9)',
        params: CredentialParams,
        response: { 200: RevealedCredentialView, ...failureResponses('invalid_reference', 'not_found', 'forbidden', 'gone') },
      },
      // no-store is set before the ticket is looked up: every answer of the handler carries it.
      config: { access: REVEAL, responseHeaders: { 200: ['Cache-Control'], 400: ['Cache-Control'], 403: ['Cache-Control'], 404: ['Cache-Control'], 410: ['Cache-Control'] } },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'staff');
      reply.header('cache-control', 'no-store');
      const ticket = await findTicketFor(deps.dataSource.manager, scope, request.params.id);
      if (!ticket.ok) return sendFailure(reply, ticket.error);
      const revealed = await revealCredential(deps, { staffId: scope.staffId, ticketId: ticket.value.id, credentialId: request.params.cid });
      if (!revealed.ok) return 'destroyedAt' in revealed.error ? sendGone(reply, revealed.error) : sendFailure(reply, revealed.error);
      const { credential, secret } = revealed.value;
      return {
        id: credential.id,
        label: credential.label,
        ...(secret.login !== undefined ? { login: secret.login } : {}),
        secret: secret.secret,
        ...(secret.note !== undefined ? { note: secret.note } : {}),
        createdAt: credential.createdAt.toISOString(),
        ...(credential.destroyAfter ? { destroyAfter: credential.destroyAfter.toISOString() } : {}),
      };
    },
  );
};
