import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { failureResponses, principalOf, scopeOf, sendFailure, type AccessRule, type TargetRefusal } from '@tss/service-kit';
import { mintSiteLink, revokeSiteLink, ticketOfCaller, type Caller } from '../use-cases/site-links';
import type { SiteDeps } from '../use-cases/site-deps';

/** Partners with `tickets:write` for their own tickets; staff for any (their roles' `tickets:write`). */
const MANAGE_LINKS: AccessRule = { kinds: ['partner', 'staff'], scopes: ['tickets:write'] };

const TicketIdOrReference = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'The ticket id (uuid) or its reference number',
  examples: ['3f0c1d5e-8a4b-4c2d-9e6f-1a2b3c4d5e6f', 'TSS-K7QM2-ZC4XD'],
});
const SiteLinkView = Type.Object(
  {
    linkId: Type.String({ description: 'Names the link when revoking it' }),
    url: Type.String({ description: "The support-site address to give the ticket's requester: it opens the ticket without a login" }),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'SiteLink' },
);

/** The caller's bearer token, passed on to intake: intake decides what the caller may see. */
const bearerOf = (request: FastifyRequest): string => (request.headers.authorization ?? '').replace(/^Bearer\s+/i, '');

const callerOf = (request: FastifyRequest): Caller => ({ scope: scopeOf(request, 'partner', 'staff'), bearerToken: bearerOf(request), clientId: principalOf(request).clientId });

/** P12: partners (and staff) mint and revoke support-site links for a ticket's requester (docs/adr/0037). */
export const siteLinkRoutes = (deps: SiteDeps) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(SiteLinkView);
  // The ticket as the routes find it, for the app's precondition hook: a missing or foreign one is
  // their 404 (a ticket the site has not heard of, their 503) with or without If-Match (RFC 9110 §13.2.1).
  const ticketFound: TargetRefusal = async (request, reply) => {
    const found = await ticketOfCaller(deps, callerOf(request), (request.params as { id: string }).id);
    return found.ok ? undefined : sendFailure(reply, found.error);
  };

  app.post(
    '/v1/tickets/:id/site-links',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'createSiteLink',
        summary: "Mint a support-site link for the ticket's requester (P12)",
        description:
          'For a requester whose mail is filtered: the link opens the ticket on the support site (`/support/t/{token}`) where they read the public thread, reply and reopen. ' +
          `It expires after TSS_SITE_LINK_TTL_MS (14 days by default) and can be revoked. Another partner's ticket is a 404; a ticket that names no requester id, or one of a deactivated partner, a 422 (nothing minted); ` +
          'a ticket filed a moment ago may answer 503 `ticket-not-yet-visible` (with Retry-After) until the site has heard of it.',
        params: Type.Object({ id: TicketIdOrReference }),
        // Nothing to choose (the requester, language and lifetime are the ticket's and the settings'):
        // no body, or an empty object; a field it does not know is a 400 naming it, as elsewhere.
        body: Type.Object({}, { additionalProperties: false, description: 'None: send no body, or an empty object' }),
        response: { 201: Type.Ref('SiteLink'), ...failureResponses('bad_request', 'not_found', 'ticket_not_yet_visible', 'unprocessable') },
      },
      // The 503 (the site has not heard of the ticket yet) says when to try again.
      // A link is a signed token stored nowhere: each try mints another, and its URL (the Location) is a
      // bearer credential no key table may keep (docs/adr/0028).
      config: { access: MANAGE_LINKS, responseHeaders: { 201: ['Cache-Control'], 503: ['Retry-After'] }, idempotency: false, preconditions: { refusedFirst: ticketFound } },
      // No body is the usual call: it is checked as the empty object it means. A JSON `null` is a
      // body, and not an object: the schema refuses it.
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
    },
    async (request, reply) => {
      const minted = await mintSiteLink(deps, callerOf(request), request.params.id);
      if (!minted.ok) return sendFailure(reply, minted.error); // a 503 ticket-not-yet-visible says Retry-After: 1
      // A link is a signed token, not a stored row: what a GET reads is the site page it opens (docs/adr/0065).
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .header('location', minted.value.url)
        .send({ linkId: minted.value.linkId, url: minted.value.url, expiresAt: minted.value.expiresAt.toISOString() });
    },
  );

  app.delete(
    '/v1/tickets/:id/site-links/:linkId',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'revokeSiteLink',
        summary: 'Revoke a support-site link of the ticket; it opens nothing from now on',
        description:
          'Idempotent: revoking a revoked (or unknown) link id of a ticket you can see answers 204 again. ' +
          "Only the first revocation of a link minted through this API for the ticket is on the ticket's history (`site_link_revoked`); a link from a TSS mail is revoked the same way but recorded on no history.",
        params: Type.Object({ id: TicketIdOrReference, linkId: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }) }),
        response: { 204: Type.Null({ description: 'Revoked' }), ...failureResponses('bad_request', 'not_found', 'ticket_not_yet_visible') },
      },
      config: { access: MANAGE_LINKS, responseHeaders: { 503: ['Retry-After'] }, preconditions: { refusedFirst: ticketFound } },
    },
    async (request, reply) => {
      const revoked = await revokeSiteLink(deps, callerOf(request), request.params.id, request.params.linkId);
      if (!revoked.ok) return sendFailure(reply, revoked.error);
      return reply.code(204).send(null);
    },
  );
};
