import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { failureResponses, scopeOf, sendFailure, shownToReader, type AccessRule, type Failure, type Result, type TargetRefusal } from '@tss/service-kit';
import { openSurvey, rateByToken, type RatingDeps } from '../use-cases/rate-by-token';
import { rateTicket, readTicketRating, ticketToRate } from '../use-cases/rate-ticket';
import { RatingBody, RatingResponse, SurveyResponse, TicketParams, TicketRatingResponse, TokenParams, toRatingResponse, toSurveyResponse, toTicketRatingResponse } from './rating.schemas';

const READ: AccessRule = { kinds: ['partner', 'requester', 'staff'], scopes: ['tickets:read'] };
// P11: the requester rates, or the partner's platform for them; staff do not rate support.
const RATE: AccessRule = { kinds: ['partner', 'requester'], scopes: ['tickets:write'] };

const bodyOf = (body: RatingBody) => ({ score: body.score, solved: body.solved, ...(body.comment !== undefined ? { comment: body.comment } : {}) });

/** P11: rating through the link sent on resolution, or through the API; reading a ticket's rating. */
export const ratingRoutes = (deps: RatingDeps) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(RatingResponse);
  // What the two ratings act on, for the app's precondition hook: an unknown, forged or expired
  // link, and a ticket the caller cannot see here, get the route's own refusal with or without
  // If-Match (RFC 9110 §13.2.1).
  const refusal = (reply: FastifyReply, found: Result<unknown, Failure>) => (found.ok ? undefined : sendFailure(reply, found.error));
  const surveyFound: TargetRefusal = async (request, reply) => refusal(reply, await openSurvey(deps, (request.params as { token: string }).token));
  const ticketFound: TargetRefusal = async (request, reply) =>
    refusal(reply, await ticketToRate(deps.dataSource.manager, scopeOf(request, 'partner', 'requester'), (request.params as { id: string }).id));

  app.get(
    '/v1/ratings/:token',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'getSurveyByLink',
        summary: 'What a rating link is for: the ticket’s reference and subject, the language, the expiry, whether it was answered (P11); public, the token is the credential',
        description:
          'For partners who show their own rating form (the link comes to their webhook in `rating.requested`). 404 unknown or forged link; 410 expired or replaced, or its partner deactivated. ' +
          '`rated: true`: answered already; `reopened: true`: the ticket was reopened since and is not resolved, so it takes no rating now (P11).',
        params: TokenParams,
        response: { 200: SurveyResponse, ...failureResponses('gone') },
      },
      config: { public: true, responseHeaders: { 200: ['Cache-Control'] } },
    },
    async (request, reply) => {
      const result = await openSurvey(deps, request.params.token);
      if (!result.ok) return sendFailure(reply, result.error);
      // The link is a credential: keep the answer out of shared caches and referrers' logs.
      return reply.header('cache-control', 'no-store').send(toSurveyResponse(result.value));
    },
  );

  app.post(
    '/v1/ratings/:token',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'rateByLink',
        summary: 'Rate the support received through the link sent on resolution (P11); the token is the credential, no bearer token',
        description:
          'One rating per link. An unknown or forged link is a 404, an expired one, one replaced by a later resolution or one of a deactivated partner a 410, a second rating a 409, ' +
          'and so is a rating of a ticket reopened since the link was sent (not resolved, P11); ' +
          'nothing is recorded then. `solved: false` reopens the ticket (or after the reopen window opens a linked new one).',
        params: TokenParams,
        body: RatingBody,
        response: { 201: Type.Ref(RatingResponse), ...failureResponses('conflict', 'gone') },
      },
      config: { public: true, preconditions: { refusedFirst: surveyFound } },
    },
    async (request, reply) => {
      const result = await rateByToken(deps, request.params.token, bodyOf(request.body));
      if (!result.ok) return sendFailure(reply, result.error);
      // The ticket's rating, as POST /v1/tickets/{id}/rating names it: the link is a credential, not a name (docs/adr/0065).
      return reply.code(201).header('location', `/v1/tickets/${result.value.ticketId}/rating`).send(toRatingResponse(result.value));
    },
  );

  app.post(
    '/v1/tickets/:id/rating',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'rateTicket',
        summary: "Rate the support received on a resolved ticket, as its partner or its requester (P11)",
        description:
          "Answers the survey of the ticket's latest resolution: one rating per resolution (409 for a second, before any resolution, or while the ticket is reopened and not resolved again), until the link expires (410). " +
          'Right after a resolution, before rating has made its survey, a 503 `ticket-not-yet-visible` with `Retry-After`: retry then, with the same `Idempotency-Key`.',
        params: TicketParams,
        body: RatingBody,
        response: { 201: Type.Ref(RatingResponse), ...failureResponses('invalid_reference', 'unknown_ticket', 'conflict', 'unresolved_ticket', 'gone') },
      },
      config: { access: RATE, preconditions: { refusedFirst: ticketFound } },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'partner', 'requester');
      const result = await rateTicket(deps, scope, request.params.id, bodyOf(request.body));
      if (!result.ok) return sendFailure(reply, result.error);
      return reply.code(201).header('location', `/v1/tickets/${result.value.ticketId}/rating`).send(toRatingResponse(result.value));
    },
  );

  app.get(
    '/v1/tickets/:id/rating',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'getTicketRating',
        summary: "A ticket's survey, its rating and the escalation it led to, and ratings of earlier resolutions (P11)",
        params: TicketParams,
        response: { 200: TicketRatingResponse, ...failureResponses('invalid_reference', 'unknown_ticket') },
      },
      config: { access: READ },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'partner', 'requester', 'staff');
      const result = await readTicketRating(deps, scope, request.params.id);
      if (!result.ok) return sendFailure(reply, result.error);
      // A comment may quote the requester's links: staff read their credentials withheld.
      return shownToReader(scope, toTicketRatingResponse(result.value));
    },
  );
};
