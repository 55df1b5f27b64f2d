import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { UnitOfWork } from '@tss/messaging';
import { dataSchemaUri, WebhookPingV1, type CloudEvent, type EventData } from '@tss/contracts';
import { err, ok, refusedAccessParticulars, type Failure, type Result } from '@tss/service-kit';
import type { TimerStore } from '@tss/timers';
import { ROTATION_OVERLAP_MS, urlProblem, type EndpointOwner, type WebhookEndpoint } from '../domain/webhook-endpoint';
import { filterProblem, receivesType, type EndpointScope } from '../domain/webhook-filter';
import { replaySelectionOf } from '../domain/webhook-replay';
import { newWebhookSecret } from '../domain/webhook-signature';
import { decodeDeliveryCursor, encodeDeliveryCursor } from '../domain/delivery-cursor';
import { webhookDeliveryStore, type WebhookDelivery } from '../store/webhook-delivery.store';
import { webhookEndpointStore, type EndpointVisibility } from '../store/webhook-endpoint.store';
import { webhookEventStore, type ReplayPosition } from '../store/webhook-event.store';
import { unknownPartner } from './known-partner';
import { enqueueDeliveries, enqueueDelivery, scheduleAttempt } from './webhook-queue';
import type { SecretBox } from './webhook-secrets';

/** An endpoint whose secret was just made: the caller is shown it once; only its sealed form is stored. */
export type WithNewSecret = WebhookEndpoint & { plainSecret: string };

/** The URL check that needs the network (SSRF: resolves and refuses private addresses), injected. */
export type UrlCheck = (url: string) => Promise<string | undefined>;

const badUrl = (detail: string): Failure => ({
  kind: 'validation',
  detail: `url ${detail}`,
  extensions: { errors: [{ in: 'body', pointer: '/url', message: detail }] },
});
/**
 * Filters that can never match an event the endpoint is sent: a 400 naming each, so no endpoint
 * waits for events that never come; for an endpoint scoped to a partner, staff-only events too.
 */
const badFilters = (eventTypes: readonly string[], scope: EndpointScope): Failure | undefined => {
  const errors = eventTypes.flatMap((filter, i) => {
    const message = filterProblem(filter, scope);
    return message ? [{ in: 'body', pointer: `/eventTypes/${i}`, message }] : [];
  });
  return errors.length > 0 ? { kind: 'validation', detail: `eventTypes: ${errors.map((e) => e.message).join('; ')}`, extensions: { errors } } : undefined;
};
/**
 * P9: a description is listed to the endpoint's owner and admins and repeated in the mail telling of
 * its disabling; one holding access particulars is refused, and nothing is stored
 * (docs/adr/0026, addendum of 2026-12-05, fifth session).
 */
const badDescription = (description: string | undefined): Failure | undefined => refusedAccessParticulars([{ pointer: '/description', text: description }]);
const notFound: Failure = { kind: 'not_found', detail: 'No such webhook endpoint.' };
/**
 * A partner's endpoint is sent the requester's link credentials (docs/adr/0040, addenda of the fifth
 * session) because the partner chose where it points: only the partner moves it.
 */
const notYourUrl: Failure = {
  kind: 'forbidden',
  detail: "Only the partner may change its endpoint's url: it receives its requesters' links. Ask the partner, or subscribe an endpoint of your own.",
};
const disabled: Failure = { kind: 'conflict', detail: 'The endpoint is disabled; enable it (PATCH {"enabled": true}) first.' };

export const visibilityOf = (owner: EndpointOwner): EndpointVisibility => (owner.kind === 'partner' ? { partnerId: owner.partnerId } : 'all');

const checkUrl = async (url: string, check: UrlCheck): Promise<Failure | undefined> => {
  const problem = urlProblem(url) ?? (await check(url));
  return problem ? badUrl(problem) : undefined;
};

export interface CreateEndpoint {
  url: string;
  eventTypes: string[];
  description?: string;
  /** Told by mail when the endpoint is disabled. */
  contactEmail?: string;
  /** Admins only: limit an internal system's endpoint to one partner's events. */
  partnerId?: string;
}

export const createEndpoint = async (
  tx: EntityManager,
  owner: EndpointOwner,
  input: CreateEndpoint,
  check: UrlCheck,
  box: SecretBox,
  now: Date,
): Promise<Result<WithNewSecret, Failure>> => {
  // An admin's endpoint limited to one partner is that partner's feed: staff-only events stay out of it too.
  const scope = { partnerId: owner.kind === 'partner' ? owner.partnerId : (input.partnerId ?? null) };
  const problem = badDescription(input.description) ?? badFilters(input.eventTypes, scope) ?? (await checkUrl(input.url, check));
  if (problem) return err(problem);
  if (owner.kind === 'partner' && input.partnerId !== undefined && input.partnerId !== owner.partnerId) {
    return err({ kind: 'validation', detail: 'partnerId is for admins; a partner subscribes to its own events.', extensions: { errors: [{ in: 'body', pointer: '/partnerId', message: 'not allowed' }] } });
  }
  // An internal system's feed for a mistyped partner would receive nothing, silently (docs/adr/0034, addendum of 2026-12-04, third session).
  const unknown = owner.kind === 'staff' && scope.partnerId !== null ? await unknownPartner(tx, scope.partnerId) : undefined;
  if (unknown) return err(unknown);
  const plainSecret = newWebhookSecret();
  const endpoint: WebhookEndpoint = {
    id: randomUUID(),
    ownerKind: owner.kind,
    partnerId: scope.partnerId,
    createdBy: owner.kind === 'partner' ? `partner:${owner.partnerId}` : `staff:${owner.staffId}`,
    url: input.url,
    description: input.description ?? '',
    contactEmail: input.contactEmail ?? null,
    eventTypes: [...new Set(input.eventTypes)],
    secret: await box.seal(plainSecret),
    previousSecret: null,
    previousSecretExpiresAt: null,
    status: 'enabled',
    disabledAt: null,
    disabledReason: null,
    failingSince: null,
    createdAt: now,
    updatedAt: now,
  };
  await webhookEndpointStore.insert(tx, endpoint);
  return ok({ ...endpoint, plainSecret });
};

export const findEndpoint = async (tx: EntityManager, owner: EndpointOwner, id: string, lock = false): Promise<Result<WebhookEndpoint, Failure>> => {
  const endpoint = await webhookEndpointStore.find(tx, id, visibilityOf(owner), lock);
  return endpoint ? ok(endpoint) : err(notFound);
};

export interface UpdateEndpoint {
  url?: string;
  eventTypes?: string[];
  description?: string;
  /** null removes it. */
  contactEmail?: string | null;
  /** true re-enables a disabled endpoint (its failure streak starts over); false disables it. */
  enabled?: boolean;
}

export const updateEndpoint = async (tx: EntityManager, owner: EndpointOwner, id: string, input: UpdateEndpoint, check: UrlCheck, now: Date): Promise<Result<WebhookEndpoint, Failure>> => {
  const refused = badDescription(input.description);
  if (refused) return err(refused);
  const found = await findEndpoint(tx, owner, id, true);
  if (!found.ok) return found;
  if (input.url !== undefined && input.url !== found.value.url && found.value.ownerKind === 'partner' && owner.kind !== 'partner') return err(notYourUrl);
  const filtersProblem = input.eventTypes && badFilters(input.eventTypes, found.value);
  if (filtersProblem) return err(filtersProblem);
  if (input.url !== undefined) {
    const problem = await checkUrl(input.url, check);
    if (problem) return err(problem);
  }
  const e = found.value;
  const status = input.enabled === undefined ? e.status : input.enabled ? 'enabled' : 'disabled';
  const reEnabled = status === 'enabled' && e.status === 'disabled';
  const updated: WebhookEndpoint = {
    ...e,
    url: input.url ?? e.url,
    eventTypes: input.eventTypes ? [...new Set(input.eventTypes)] : e.eventTypes,
    description: input.description ?? e.description,
    contactEmail: input.contactEmail === undefined ? e.contactEmail : input.contactEmail,
    status,
    disabledAt: status === 'disabled' ? (e.disabledAt ?? now) : null,
    disabledReason: status === 'disabled' ? (e.disabledReason ?? 'disabled by its owner') : null,
    failingSince: reEnabled ? null : e.failingSince,
    updatedAt: now,
  };
  await webhookEndpointStore.update(tx, updated);
  return ok(updated);
};

export const deleteEndpoint = async (tx: EntityManager, owner: EndpointOwner, id: string): Promise<Result<void, Failure>> => {
  const found = await findEndpoint(tx, owner, id, true);
  if (!found.ok) return found;
  // Its deliveries go with it (ON DELETE CASCADE); their timers then find nothing to make ready.
  await webhookEndpointStore.delete(tx, id);
  return ok(undefined);
};

/** A new secret; the old one keeps signing beside it for 24 h, so receivers can switch without a gap. */
export const rotateSecret = async (tx: EntityManager, owner: EndpointOwner, id: string, box: SecretBox, now: Date): Promise<Result<WithNewSecret, Failure>> => {
  const found = await findEndpoint(tx, owner, id, true);
  if (!found.ok) return found;
  const plainSecret = newWebhookSecret();
  const rotated = { ...found.value, secret: await box.seal(plainSecret), previousSecret: found.value.secret, previousSecretExpiresAt: new Date(now.getTime() + ROTATION_OVERLAP_MS), updatedAt: now };
  await webhookEndpointStore.update(tx, rotated);
  return ok({ ...rotated, plainSecret });
};

/** A page of the delivery log, newest first, and the cursor of the next (older) page when there is one. */
export const listDeliveries = async (
  tx: EntityManager,
  owner: EndpointOwner,
  id: string,
  options: { limit: number; status?: WebhookDelivery['status']; cursor?: string },
): Promise<Result<{ items: WebhookDelivery[]; nextCursor?: string }, Failure>> => {
  const found = await findEndpoint(tx, owner, id);
  if (!found.ok) return found;
  const filters = { endpointId: id, ...(options.status ? { status: options.status } : {}) };
  const before = options.cursor === undefined ? undefined : decodeDeliveryCursor(options.cursor, owner, filters);
  if (before && !before.ok) return before;
  const rows = await webhookDeliveryStore.list(tx, id, { limit: options.limit + 1, status: options.status, before: before?.value });
  const items = rows.slice(0, options.limit);
  const last = items.at(-1);
  return ok({ items, ...(rows.length > options.limit && last ? { nextCursor: encodeDeliveryCursor(last, owner, filters) } : {}) });
};

/** A delivery of an endpoint the caller may manage (a 404 for either missing); `lock` takes the endpoint's row lock. */
export const findDelivery = async (
  tx: EntityManager,
  owner: EndpointOwner,
  id: string,
  deliveryId: string,
  lock = false,
): Promise<Result<{ endpoint: WebhookEndpoint; delivery: WebhookDelivery }, Failure>> => {
  const endpoint = await findEndpoint(tx, owner, id, lock);
  if (!endpoint.ok) return endpoint;
  const delivery = await webhookDeliveryStore.find(tx, id, deliveryId);
  return delivery ? ok({ endpoint: endpoint.value, delivery }) : err({ kind: 'not_found', detail: 'No such delivery.' });
};

/**
 * A finished delivery (failed, cancelled or even succeeded) gets a fresh round of retries, under the
 * same `webhook-id`; its attempt count goes on and its failures stay in the log.
 */
export const retryDelivery = async (tx: EntityManager, timers: TimerStore, owner: EndpointOwner, id: string, deliveryId: string, now: Date): Promise<Result<WebhookDelivery, Failure>> => {
  const found = await findDelivery(tx, owner, id, deliveryId, true);
  if (!found.ok) return found;
  const { endpoint, delivery } = found.value;
  if (endpoint.status === 'disabled') return err(disabled);
  if (delivery.status === 'pending' || delivery.status === 'held' || delivery.status === 'ready' || delivery.status === 'in_flight') {
    return err({ kind: 'conflict', detail: `The delivery is already queued (${delivery.status}).` });
  }
  const status = await webhookDeliveryStore.rearm(tx, delivery.id, now);
  await scheduleAttempt(tx, timers, delivery.id, now);
  return ok({ ...delivery, status, roundStartAttempts: delivery.attempts, nextAttemptAt: now, completedAt: null });
};

/**
 * How much one replay queues, and in what steps (docs/adr/0034, addendum of 2026-12-05).
 * `maxEvents`: one request's events, answered well within the gateway's upstream timeout
 * (TSS_UPSTREAM_TIMEOUT_MS, 10 s) on a busy machine; a larger range is a 422 that says where to
 * split it. `batchSize`: one transaction's, so no transaction holds the endpoint's row and the
 * share locks of its tickets' queued deliveries (which the senders' records wait for) for long.
 */
export interface ReplayLimits {
  maxEvents: number;
  batchSize: number;
}
export const REPLAY_LIMITS: ReplayLimits = { maxEvents: 20_000, batchSize: 1_000 };
/** A refused replay counts its matching events up to this many, so that answer stays quick too. */
export const REPLAY_COUNT_CAP = 1_000_000;

/** From `since` (inclusive) to `until` (exclusive; unbounded when absent). */
export interface ReplayRange {
  since: Date;
  until?: Date;
}

const badRange: Failure = {
  kind: 'validation',
  detail: 'until must be after since.',
  extensions: { errors: [{ in: 'body', pointer: '/until', message: 'must be after since' }] },
};

const numbered = (n: number): string => n.toLocaleString('en-US');

/** Too many events for one replay: how many, and the `until` that replays the first part of them. */
const tooMany = (range: ReplayRange, matching: number, limits: ReplayLimits, splitAt: Date): Failure => {
  const counted = matching > REPLAY_COUNT_CAP ? `More than ${numbered(REPLAY_COUNT_CAP)}` : numbered(matching);
  const since = range.since.toISOString();
  const suggestedUntil = splitAt > range.since ? splitAt.toISOString() : undefined;
  const split = suggestedUntil
    ? `Replay it in parts, oldest first (each ticket's events then arrive in order): {"since": "${since}", "until": "${suggestedUntil}"}, then from "${suggestedUntil}".`
    : `More than ${numbered(limits.maxEvents)} of them occurred at ${since}, which no range can split.`;
  return {
    kind: 'unprocessable',
    detail: `${counted} events in this range match the endpoint's filters; one replay queues at most ${numbered(limits.maxEvents)}. ${split}`,
    extensions: {
      ...(matching > REPLAY_COUNT_CAP ? {} : { matchingEvents: matching }),
      replayLimit: limits.maxEvents,
      ...(suggestedUntil ? { suggestedUntil } : {}),
    },
  };
};

/**
 * Re-sends the events of the range the endpoint receives (its partner's, its filters, no staff-only
 * one for a partner's endpoint), oldest first, as new deliveries. The filters are the query's, so
 * the bound counts those events only (docs/adr/0034, addendum of 2026-12-05). Queued in batches,
 * a transaction each; each batch behind the previous one's deliveries of the same tickets
 * (docs/adr/0066), so each ticket's events still go out in order. A failure after some batches
 * leaves those queued: asked again, the replay sends them again (receivers dedupe by webhook-id).
 */
export const replay = async (
  unitOfWork: Pick<UnitOfWork, 'run'>,
  timers: TimerStore,
  owner: EndpointOwner,
  id: string,
  range: ReplayRange,
  now: Date,
  limits: ReplayLimits = REPLAY_LIMITS,
): Promise<Result<{ queued: number }, Failure>> => {
  if (range.until && range.until <= range.since) return err(badRange);
  const queryOf = (endpoint: WebhookEndpoint) => ({ selection: replaySelectionOf(endpoint), since: range.since, until: range.until, recordedBy: now });
  const refused = await unitOfWork.run(async (tx): Promise<Failure | undefined> => {
    const found = await findEndpoint(tx, owner, id);
    if (!found.ok) return found.error;
    if (found.value.status === 'disabled') return disabled;
    const query = queryOf(found.value);
    const splitAt = await webhookEventStore.matchingAt(tx, query, limits.maxEvents);
    return splitAt && tooMany(range, await webhookEventStore.countMatching(tx, query, REPLAY_COUNT_CAP + 1), limits, splitAt);
  });
  if (refused) return err(refused);

  let read = 0;
  let queued = 0;
  let after: ReplayPosition | undefined;
  for (;;) {
    const limit = Math.min(limits.batchSize, limits.maxEvents - read);
    const batch = await unitOfWork.run(async (tx): Promise<Result<{ read: number; queued: number; last?: ReplayPosition }, Failure>> => {
      // Locked: a disabling that cancels the queued deliveries waits for this batch, or this batch for it.
      const found = await findEndpoint(tx, owner, id, true);
      if (!found.ok) return found;
      const endpoint = found.value;
      if (endpoint.status === 'disabled') return err(disabled);
      const events = await webhookEventStore.matching(tx, queryOf(endpoint), limit, after);
      // receivesType again, the rule live deliveries follow: the query already applied it.
      const messages = events
        .filter((e) => receivesType(endpoint, e.type))
        .map((e) => ({ endpointId: endpoint.id, messageId: e.id, eventType: e.type, body: e.body, reason: 'replay' as const, subject: e.subject }));
      await enqueueDeliveries(tx, timers, messages, now);
      return ok({ read: events.length, queued: messages.length, last: events.at(-1)?.position });
    });
    if (!batch.ok) return batch;
    read += batch.value.read;
    queued += batch.value.queued;
    if (batch.value.read < limit || read >= limits.maxEvents) return ok({ queued });
    after = batch.value.last;
  }
};

export const PING_TYPE = WebhookPingV1.type;

/** A test call: a `webhook.ping` CloudEvent (its contract in libs/contracts), signed like any delivery, tried once. */
export const ping = async (tx: EntityManager, timers: TimerStore, owner: EndpointOwner, id: string, now: Date): Promise<Result<{ deliveryId: string }, Failure>> => {
  const found = await findEndpoint(tx, owner, id, true);
  if (!found.ok) return found;
  if (found.value.status === 'disabled') return err(disabled);
  const messageId = randomUUID();
  const event: CloudEvent<EventData<typeof WebhookPingV1>> = {
    specversion: '1.0',
    id: messageId,
    source: 'tss/notification',
    type: WebhookPingV1.type,
    time: now.toISOString(),
    subject: id,
    datacontenttype: 'application/json',
    dataschema: dataSchemaUri(WebhookPingV1.type, WebhookPingV1.version),
    data: { endpointId: id },
  };
  const body = JSON.stringify(event);
  const deliveryId = await enqueueDelivery(tx, timers, { endpointId: id, messageId, eventType: PING_TYPE, body, reason: 'ping' }, now);
  return ok({ deliveryId });
};
