import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { EntityManager } from 'typeorm';
import type { UnitOfWork } from '@tss/messaging';
import { failureResponses, scopeOf, sendFailure, type AccessRule, type Clock, type Failure, type Result, type TargetRefusal } from '@tss/service-kit';
import type { TimerStore } from '@tss/timers';
import type { EndpointOwner, WebhookEndpoint } from '../domain/webhook-endpoint';
import type { WebhookDelivery } from '../store/webhook-delivery.store';
import { webhookEndpointStore } from '../store/webhook-endpoint.store';
import * as endpoints from '../use-cases/webhook-endpoints';
import type { SecretBox } from '../use-cases/webhook-secrets';
import {
  CreateEndpointBody,
  CreatedEndpointView,
  DeliveryList,
  DeliveryParams,
  DeliveryQuery,
  DeliveryView,
  EndpointList,
  EndpointParams,
  EndpointView,
  PingView,
  ReplayBody,
  ReplayView,
  RotatedSecretView,
  UpdateEndpointBody,
} from './webhook.schemas';

const REPLAY_MAX_EVENTS = endpoints.REPLAY_LIMITS.maxEvents.toLocaleString('en-US');
const REPLAY_COUNT_CAP = endpoints.REPLAY_COUNT_CAP.toLocaleString('en-US');

/** Partners with `webhooks:manage` (their own endpoints), admins (internal systems, and all). */
const MANAGE: AccessRule = { kinds: ['partner', 'staff'], scopes: ['webhooks:manage'], roles: ['admin'] };
const TAGS = ['notification'];

export interface WebhookRouteDeps {
  unitOfWork: UnitOfWork;
  clock: Clock;
  timers: TimerStore;
  checkUrl: endpoints.UrlCheck;
  /** Seals new signing secrets (docs/adr/0042). */
  secrets: SecretBox;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export const endpointView = (e: WebhookEndpoint) => ({
  id: e.id,
  url: e.url,
  description: e.description,
  contactEmail: e.contactEmail,
  eventTypes: e.eventTypes,
  partnerId: e.partnerId,
  status: e.status,
  disabledAt: iso(e.disabledAt),
  disabledReason: e.disabledReason,
  failingSince: iso(e.failingSince),
  previousSecretExpiresAt: iso(e.previousSecretExpiresAt),
  createdAt: e.createdAt.toISOString(),
  updatedAt: e.updatedAt.toISOString(),
});

export const deliveryView = (d: WebhookDelivery) => ({
  id: d.id,
  webhookId: d.messageId,
  eventType: d.eventType,
  reason: d.reason,
  status: d.status,
  attempts: d.attempts,
  failedAttempts: d.failedAttempts,
  lastFailure: d.lastFailure ? { at: d.lastFailure.at.toISOString(), responseStatus: d.lastFailure.statusCode, error: d.lastFailure.error } : null,
  lastAttemptAt: iso(d.lastAttemptAt),
  responseStatus: d.lastStatusCode,
  latencyMs: d.lastLatencyMs,
  error: d.lastError,
  nextAttemptAt: iso(d.nextAttemptAt),
  createdAt: d.createdAt.toISOString(),
  completedAt: iso(d.completedAt),
});

const ownerOf = (request: FastifyRequest): EndpointOwner => {
  const scope = scopeOf(request, 'partner', 'staff');
  return scope.kind === 'partner' ? { kind: 'partner', partnerId: scope.partnerId } : { kind: 'staff', staffId: scope.staffId };
};

const answer = <T>(reply: FastifyReply, result: Result<T, Failure>, status: number, view: (value: T) => unknown) =>
  result.ok ? reply.code(status).send(view(result.value)) : sendFailure(reply, result.error);

/** /v1/webhooks/endpoints (issue #11): subscriptions, their secrets, the delivery log, retry, replay and ping. */
export const webhookRoutes = (deps: WebhookRouteDeps) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tx = <T>(work: (m: EntityManager) => Promise<T>): Promise<T> => deps.unitOfWork.run(work);
  // How the routes below find their endpoint (and delivery) for the app's precondition hook: a
  // missing one, or another partner's, is their 404 with or without If-Match (RFC 9110 §13.2.1).
  const refusal = (reply: FastifyReply, found: Result<unknown, Failure>) => (found.ok ? undefined : sendFailure(reply, found.error));
  const endpointFound: TargetRefusal = async (request, reply) => {
    const { id } = request.params as { id: string };
    return refusal(reply, await tx((m) => endpoints.findEndpoint(m, ownerOf(request), id)));
  };
  const deliveryFound: TargetRefusal = async (request, reply) => {
    const { id, did } = request.params as { id: string; did: string };
    return refusal(reply, await tx((m) => endpoints.findDelivery(m, ownerOf(request), id, did)));
  };
  const ON_ENDPOINT = { refusedFirst: endpointFound };

  app.post(
    '/v1/webhooks/endpoints',
    {
      schema: {
        tags: TAGS,
        operationId: 'createWebhookEndpoint',
        summary: 'Subscribe a URL to events; the answer shows its signing secret, once',
        body: CreateEndpointBody,
        response: { 201: CreatedEndpointView, ...failureResponses('bad_request', 'unprocessable') },
      },
      config: { access: MANAGE, responseHeaders: { 201: ['Cache-Control'] } },
    },
    async (request, reply) => {
      const result = await tx((m) => endpoints.createEndpoint(m, ownerOf(request), request.body, deps.checkUrl, deps.secrets, deps.clock.now()));
      // no-store: the secret is shown once; no cache, nor the Idempotency-Key table, keeps it (docs/adr/0028).
      if (result.ok) reply.header('location', `/v1/webhooks/endpoints/${result.value.id}`).header('cache-control', 'no-store');
      return answer(reply, result, 201, (e) => ({ ...endpointView(e), secret: e.plainSecret }));
    },
  );

  app.get(
    '/v1/webhooks/endpoints',
    {
      schema: { tags: TAGS, operationId: 'listWebhookEndpoints', summary: 'The endpoints the caller may manage (a partner: its own; an admin: all)', response: { 200: EndpointList } },
      config: { access: MANAGE },
    },
    async (request) => {
      const owner = ownerOf(request);
      const list = await tx((m) => webhookEndpointStore.list(m, endpoints.visibilityOf(owner)));
      return { items: list.map(endpointView) };
    },
  );

  app.get(
    '/v1/webhooks/endpoints/:id',
    {
      schema: { tags: TAGS, operationId: 'getWebhookEndpoint', summary: 'One endpoint (no secret)', params: EndpointParams, response: { 200: EndpointView, ...failureResponses('not_found') } },
      config: { access: MANAGE },
    },
    async (request, reply) => answer(reply, await tx((m) => endpoints.findEndpoint(m, ownerOf(request), request.params.id)), 200, endpointView),
  );

  app.patch(
    '/v1/webhooks/endpoints/:id',
    {
      schema: {
        tags: TAGS,
        operationId: 'updateWebhookEndpoint',
        summary: 'Change the URL, filters or description; enable or disable',
        params: EndpointParams,
        body: UpdateEndpointBody,
        response: { 200: EndpointView, ...failureResponses('bad_request', 'forbidden', 'not_found') },
      },
      config: { access: MANAGE, preconditions: ON_ENDPOINT },
    },
    async (request, reply) =>
      answer(reply, await tx((m) => endpoints.updateEndpoint(m, ownerOf(request), request.params.id, request.body, deps.checkUrl, deps.clock.now())), 200, endpointView),
  );

  app.delete(
    '/v1/webhooks/endpoints/:id',
    {
      schema: { tags: TAGS, operationId: 'deleteWebhookEndpoint', summary: 'Unsubscribe: the endpoint and its delivery log', params: EndpointParams, response: { 204: { type: 'null' }, ...failureResponses('not_found') } },
      config: { access: MANAGE, preconditions: ON_ENDPOINT },
    },
    async (request, reply) => {
      const result = await tx((m) => endpoints.deleteEndpoint(m, ownerOf(request), request.params.id));
      return result.ok ? reply.code(204).send() : sendFailure(reply, result.error);
    },
  );

  app.post(
    '/v1/webhooks/endpoints/:id/rotate-secret',
    {
      schema: {
        tags: TAGS,
        operationId: 'rotateWebhookSecret',
        summary: 'A new signing secret; the old one keeps signing beside it for 24 hours',
        params: EndpointParams,
        response: { 200: RotatedSecretView, ...failureResponses('not_found') },
      },
      // A retry with the key gets the endpoint's Location, not the secret again (docs/webhooks.md).
      config: { access: MANAGE, responseHeaders: { 200: ['Cache-Control'] }, withheldAnswerLocation: ({ id }) => `/v1/webhooks/endpoints/${id}`, preconditions: ON_ENDPOINT },
    },
    async (request, reply) => {
      const result = await tx((m) => endpoints.rotateSecret(m, ownerOf(request), request.params.id, deps.secrets, deps.clock.now()));
      if (result.ok) reply.header('cache-control', 'no-store'); // the new secret is shown once
      return answer(reply, result, 200, (e) => ({ secret: e.plainSecret, previousSecretExpiresAt: (e.previousSecretExpiresAt ?? e.updatedAt).toISOString() }));
    },
  );

  app.get(
    '/v1/webhooks/endpoints/:id/deliveries',
    {
      schema: {
        tags: TAGS,
        operationId: 'listWebhookDeliveries',
        summary: 'The delivery log, newest first: status, attempts, response code, latency, next attempt; older pages follow `nextCursor`',
        params: EndpointParams,
        querystring: DeliveryQuery,
        response: { 200: DeliveryList, ...failureResponses('bad_request', 'not_found') },
      },
      config: { access: MANAGE },
    },
    async (request, reply) =>
      answer(reply, await tx((m) => endpoints.listDeliveries(m, ownerOf(request), request.params.id, request.query)), 200, (page) => ({
        items: page.items.map(deliveryView),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      })),
  );

  app.post(
    '/v1/webhooks/endpoints/:id/deliveries/:did/retry',
    {
      schema: {
        tags: TAGS,
        operationId: 'retryWebhookDelivery',
        summary: 'Send a finished delivery again, now, with a fresh round of retries; its attempt count goes on and its failures stay in the log',
        params: DeliveryParams,
        response: { 202: DeliveryView, ...failureResponses('not_found', 'conflict') },
      },
      config: { access: MANAGE, preconditions: { refusedFirst: deliveryFound } },
    },
    async (request, reply) => {
      const result = await tx((m) => endpoints.retryDelivery(m, deps.timers, ownerOf(request), request.params.id, request.params.did, deps.clock.now()));
      return answer(reply, result, 202, deliveryView);
    },
  );

  app.post(
    '/v1/webhooks/endpoints/:id/replay',
    {
      schema: {
        tags: TAGS,
        operationId: 'replayWebhookEvents',
        summary: 'Send again the events of a range that the endpoint receives (its filters; a partner’s endpoint: its partner’s, no staff-only ones), oldest first',
        description:
          'Queues the events that occurred from `since` (inclusive) to `until` (exclusive; no end when absent) and that the endpoint’s current filters match, as new deliveries ' +
          'under the events’ own `webhook-id`, each ticket’s in order behind its deliveries still queued. ' +
          `At most ${REPLAY_MAX_EVENTS} events per replay: a larger range is a 422 that says how many match and suggests an \`until\` (\`suggestedUntil\`) for its first part; ` +
          'replay the parts oldest first. Events are kept WEBHOOK_RETENTION_DAYS (30 days).',
        params: EndpointParams,
        body: ReplayBody,
        response: {
          202: ReplayView,
          ...failureResponses('not_found'),
          400: { $ref: 'Problem#', description: '`validation`: the body does not match its schema, or `until` is not after `since` (pointer `/until`)' },
          409: {
            $ref: 'Problem#',
            description: '`conflict`: the endpoint is disabled (enable it with PATCH {"enabled": true} first); `idempotency-in-flight`: a request with this Idempotency-Key is running',
          },
          422: {
            $ref: 'Problem#',
            description:
              `\`unprocessable\`: more events match than one replay queues (\`replayLimit\`, ${REPLAY_MAX_EVENTS}); \`matchingEvents\` says how many (counted up to ${REPLAY_COUNT_CAP}), ` +
              '`suggestedUntil` the `until` of the range’s first part; nothing was queued. `idempotency-key-reused`: the Idempotency-Key came with another body',
          },
        },
      },
      config: { access: MANAGE, preconditions: ON_ENDPOINT },
    },
    async (request, reply) => {
      const since = new Date(request.body.since);
      const until = request.body.until === undefined ? undefined : new Date(request.body.until);
      for (const [pointer, instant] of [['/since', since], ['/until', until]] as const) {
        if (instant && Number.isNaN(instant.getTime())) {
          return sendFailure(reply, { kind: 'validation', detail: `${pointer.slice(1)} is not an instant.`, extensions: { errors: [{ in: 'body', pointer, message: 'must be an instant' }] } });
        }
      }
      const result = await endpoints.replay(deps.unitOfWork, deps.timers, ownerOf(request), request.params.id, { since, until }, deps.clock.now());
      return answer(reply, result, 202, (v) => v);
    },
  );

  app.post(
    '/v1/webhooks/endpoints/:id/ping',
    {
      schema: {
        tags: TAGS,
        operationId: 'pingWebhookEndpoint',
        summary: 'Send a signed `webhook.ping` event once; its result shows in the delivery log',
        params: EndpointParams,
        response: { 202: PingView, ...failureResponses('not_found', 'conflict') },
      },
      config: { access: MANAGE, preconditions: ON_ENDPOINT },
    },
    async (request, reply) => {
      const result = await tx((m) => endpoints.ping(m, deps.timers, ownerOf(request), request.params.id, deps.clock.now()));
      return answer(reply, result, 202, (v) => v);
    },
  );
};
