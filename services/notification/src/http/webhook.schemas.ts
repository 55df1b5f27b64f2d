import { Type, type Static } from '@sinclair/typebox';
import { Instant, StringEnum, Text, Uuid } from '@tss/contracts';
import { NO_ACCESS_PARTICULARS_DOC } from '@tss/service-kit';
import type { DeliveryStatus as DeliveryStatusValue } from '../store/webhook-delivery.store';
import { EVENT_FILTER_PATTERN } from '../domain/webhook-filter';

const EventFilter = Type.String({ pattern: EVENT_FILTER_PATTERN, maxLength: 100, description: 'An event type of the ticket, sla, escalation or rating domain (`ticket.resolved`), a domain wildcard (`sla.*`) or `*`; a filter naming no delivered event is a 400. Escalation events are staff-only: an endpoint of a partner (a partner’s own, or an admin’s with `partnerId`) naming one is a 400, and its `*` means the ticket, sla and rating events' });
const ContactEmail = Type.String({ format: 'email', maxLength: 320, description: 'Told by mail when the endpoint is disabled after 5 days of failures' });
const Description = Text({ maxLength: 500, minLength: 0, description: `What the endpoint is for, as lists and the disabled mail show it. ${NO_ACCESS_PARTICULARS_DOC}` });
const Url = Text({ maxLength: 2048, format: 'uri', description: 'http(s) URL the events are POSTed to, exactly as called: no spaces, line breaks or other control characters (percent-encode them); its host must not resolve to a private address' });

export const EndpointParams = Type.Object({ id: Uuid });
export const DeliveryParams = Type.Object({ id: Uuid, did: Uuid });

export const CreateEndpointBody = Type.Object(
  {
    url: Url,
    eventTypes: Type.Array(EventFilter, { minItems: 1, maxItems: 50 }),
    description: Type.Optional(Description),
    contactEmail: Type.Optional(ContactEmail),
    partnerId: Type.Optional({ ...Uuid, description: 'Admins only: limit an internal system’s endpoint to one partner (default: every partner); it is then that partner’s feed and receives no escalation events. A partner the gateway has not registered, or has deactivated, is a 422' }),
  },
  { additionalProperties: false, examples: [{ url: 'https://hooks.example.com/tss', eventTypes: ['ticket.*', 'sla.breached'], description: 'Our ticket mirror', contactEmail: 'ops@partner.example' }] },
);
export type CreateEndpointBody = Static<typeof CreateEndpointBody>;

export const UpdateEndpointBody = Type.Object(
  {
    url: Type.Optional(Url),
    eventTypes: Type.Optional(Type.Array(EventFilter, { minItems: 1, maxItems: 50 })),
    description: Type.Optional(Description),
    contactEmail: Type.Optional(Type.Union([ContactEmail, Type.Null()], { description: 'null removes it' })),
    enabled: Type.Optional(Type.Boolean({ description: 'true re-enables a disabled endpoint' })),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ eventTypes: ['sla.*'], enabled: true }] },
);
export type UpdateEndpointBody = Static<typeof UpdateEndpointBody>;

const DELIVERY_STATUSES = ['pending', 'held', 'ready', 'in_flight', 'succeeded', 'failed', 'cancelled'] as const satisfies readonly DeliveryStatusValue[];
const DeliveryStatus = StringEnum<DeliveryStatusValue>(DELIVERY_STATUSES, {
  description:
    'pending: waiting for its next attempt; held: waiting for an earlier delivery of the same ticket to this endpoint to end (one ticket’s deliveries go out in order); ready: waiting for a sender; in_flight: being sent; succeeded; failed (attempts spent); cancelled (endpoint disabled)',
});

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const EndpointView = Type.Object({
  id: Uuid,
  url: Type.String(),
  description: Type.String(),
  contactEmail: Type.Union([Type.String(), Type.Null()], { description: 'Told by mail when the endpoint is disabled' }),
  eventTypes: Type.Array(Type.String()),
  partnerId: Type.Union([Uuid, Type.Null()], { description: 'null: an internal system receiving every partner’s events' }),
  status: Type.Union([Type.Literal('enabled'), Type.Literal('disabled')]),
  disabledAt: Nullable(Instant),
  disabledReason: Nullable(Type.String()),
  failingSince: Nullable(Instant),
  previousSecretExpiresAt: Nullable(Instant),
  createdAt: Instant,
  updatedAt: Instant,
});
export const CreatedEndpointView = Type.Composite([EndpointView, Type.Object({ secret: Type.String({ description: 'whsec_…: shown once, here' }) })]);
export const EndpointList = Type.Object({ items: Type.Array(EndpointView) });
export const RotatedSecretView = Type.Object({ secret: Type.String(), previousSecretExpiresAt: Instant });

export const DeliveryView = Type.Object({
  id: Uuid,
  webhookId: Type.String({ description: 'The `webhook-id` header: the same on every attempt and replay' }),
  eventType: Type.String(),
  reason: Type.Union([Type.Literal('event'), Type.Literal('replay'), Type.Literal('ping')]),
  status: DeliveryStatus,
  attempts: Type.Integer({ description: 'Every attempt made, those after a manual retry included (a retry does not reset it)' }),
  failedAttempts: Type.Integer({ description: 'How many of them failed, kept after a later success' }),
  lastFailure: Type.Union(
    [
      Type.Object({
        at: Instant,
        responseStatus: Type.Union([Type.Integer(), Type.Null()], { description: 'null: no answer (timeout, refused address)' }),
        error: Nullable(Type.String()),
      }),
      Type.Null(),
    ],
    { description: 'The last failed attempt, kept after a later success; null: none failed' },
  ),
  lastAttemptAt: Nullable(Instant),
  responseStatus: Type.Union([Type.Integer(), Type.Null()]),
  latencyMs: Type.Union([Type.Integer(), Type.Null()]),
  error: Nullable(Type.String()),
  nextAttemptAt: Nullable(Instant),
  createdAt: Instant,
  completedAt: Nullable(Instant),
});
export const DeliveryList = Type.Object({
  items: Type.Array(DeliveryView),
  nextCursor: Type.Optional(Type.String({ description: 'Pass as `cursor` for the next (older) page; absent on the last page' })),
});
export const DeliveryQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    status: Type.Optional(DeliveryStatus),
    cursor: Type.Optional(Text({ minLength: 1, maxLength: 500, description: 'The nextCursor of the previous page (bound to the same status filter)' })),
  },
  { additionalProperties: false },
);

export const ReplayBody = Type.Object(
  {
    since: { ...Instant, description: 'The first instant replayed (inclusive): events that occurred then or later. Events are kept WEBHOOK_RETENTION_DAYS (30 days)' },
    until: Type.Optional({
      ...Instant,
      description:
        'The end of the range (exclusive), after `since`: a 400 otherwise. Absent: every event recorded until the replay starts. A range with more events than one replay queues is a 422 whose `suggestedUntil` ends its first part; replay the parts oldest first',
    }),
  },
  { additionalProperties: false, examples: [{ since: '2026-12-01T00:00:00Z' }, { since: '2026-12-01T00:00:00Z', until: '2026-12-02T00:00:00Z' }] },
);
export const ReplayView = Type.Object({ queued: Type.Integer({ minimum: 0, description: 'Deliveries queued: the events of the range the endpoint receives' }) });
export const PingView = Type.Object({ deliveryId: Uuid });
