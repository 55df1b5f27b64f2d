import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { TICKET_BEHIND_HEADER, UNKNOWN_TICKET_HEADER } from '@tss/contracts';
import { declareIdempotencyKey, PROBLEM_CONTENT_TYPE, problemFor, problemInstanceOf, sendFailure, type Clock } from '@tss/service-kit';
import {
  fateOfAnswer,
  fingerprintOf,
  IDEMPOTENCY_KEY_RETENTION_MS,
  IDEMPOTENCY_LEASE_MS,
  IDEMPOTENCY_LEASE_RENEW_EVERY_MS,
  IDEMPOTENCY_MAX_HOLD_MS,
  marksNoStore,
  normalizeKey,
  principalKey,
  REPLAYED_HEADER,
  replayableHeaders,
  verdictFor,
} from './idempotency-rules';
import type { HeldKey, IdempotencyStore, StoredResponse, TakenKey } from './idempotency.store';
import { keepLease } from './lease-keeper';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Idempotency-Key handling (docs/adr/0028). In a service that enables it, every POST has it
     * unless it says `false`; another method (PATCH) gets it by saying `true`.
     */
    idempotency?: boolean;
    /**
     * Where what a keyed request changed can be read, for a success that names nothing itself (a
     * rotated secret's 200, no Location) and whose answer is not kept (Cache-Control: no-store):
     * the retry's 409 `idempotency-answer-withheld` carries it as its `Location`, as it carries a
     * 201's (docs/adr/0028). Made from the request's path parameters.
     */
    withheldAnswerLocation?: (params: Readonly<Record<string, string>>) => string;
    /**
     * Members of the JSON body the route seals and destroys (a vault's secret, login and note):
     * the Idempotency-Key fingerprint, kept 24 h, counts them present but never holds their value
     * (P9, docs/adr/0028). Access particulars in the other members are left out anyway.
     */
    sealedBodyMembers?: readonly string[];
  }
}

export interface IdempotencyOptions {
  store: IdempotencyStore;
  clock: Clock;
  leaseMs?: number;
  retentionMs?: number;
  maxHoldMs?: number;
}

const methodsOf = (route: RouteOptions): string[] => (Array.isArray(route.method) ? route.method : [route.method]).map((m) => String(m).toUpperCase());
const isJsonMediaType = (contentType: string | undefined): boolean => {
  const mediaType = contentType?.split(';')[0].trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || mediaType.endsWith('+json');
};

/** Whether a route of a service that enables idempotency handles the key. */
const handlesKey = (route: RouteOptions): boolean => {
  const wanted = route.config?.idempotency ?? methodsOf(route).includes('POST');
  if (!wanted) return false;
  // A key is some caller's: with no caller, one client's answer could be replayed to another.
  if (route.config?.public) {
    if (route.config.idempotency === true) throw new Error(`${methodsOf(route).join(',')} ${route.url}: a public route cannot take an Idempotency-Key (no caller to scope it to)`);
    return false;
  }
  return true;
};

/**
 * The request's body stopped before its end because the connection went (Node destroys an
 * incoming message whose socket closes before it is complete). A body the route stopped reading
 * on purpose (a 413 mid-upload) is incomplete too, but its connection is still there.
 */
// `complete` is Node's (an injected request has none, and is never cut short).
const bodyCutShort = (request: FastifyRequest): boolean => request.raw.complete === false && (request.raw.destroyed || request.raw.socket?.destroyed === true);

/** The path parameters, as the router gave them (text). */
const pathParametersOf = (request: FastifyRequest): Record<string, string> =>
  typeof request.params === 'object' && request.params !== null
    ? Object.fromEntries(Object.entries(request.params).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
    : {};

/** What the first answer names (a 201's Location), else where the route says what it changed is. */
const locationOfAnswer = (request: FastifyRequest, reply: FastifyReply): string | undefined => {
  const location = reply.getHeader('location');
  if (typeof location === 'string') return location;
  return request.routeOptions.config.withheldAnswerLocation?.(pathParametersOf(request));
};

const bodyOf = (request: FastifyRequest) => {
  const contentType = request.headers['content-type'];
  if (isJsonMediaType(contentType)) return { kind: 'json' as const, value: request.body };
  if (contentType === undefined && request.body === undefined) return { kind: 'none' as const };
  // Multipart and other bodies the route reads itself: the key alone (docs/adr/0028).
  return { kind: 'stream' as const };
};

/**
 * The IETF Idempotency-Key draft on a service's routes: the key is claimed (committed) before
 * the handler runs, the answer stored as it is sent, and a request with a key already used gets
 * the stored answer, a 409 while the first one runs, or a 422 if its body differs. Hooks of the
 * scope they are installed in, so every route registered in it, in any part, is covered.
 */
export const installIdempotency = (scope: FastifyInstance, options: IdempotencyOptions): void => {
  const { store, clock } = options;
  const leaseMs = options.leaseMs ?? IDEMPOTENCY_LEASE_MS;
  const retentionMs = options.retentionMs ?? IDEMPOTENCY_KEY_RETENTION_MS;
  const held = new WeakMap<FastifyRequest, HeldKey>();
  const leaseKeepers = new WeakMap<FastifyRequest, () => void>();
  const stopKeepingLease = (request: FastifyRequest) => {
    leaseKeepers.get(request)?.();
    leaseKeepers.delete(request);
  };

  scope.addHook('onRoute', (route) => {
    if (!handlesKey(route)) return;
    route.config = { ...route.config, idempotency: true };
    declareIdempotencyKey(route);
  });

  // After validation (a request that fails its schema keeps no key, as with Stripe's API: the
  // retry of a corrected body runs) and after authentication (whose key it is).
  scope.addHook('preHandler', async (request, reply) => {
    if (request.routeOptions.config.idempotency !== true) return;
    const header = request.headers['idempotency-key'];
    if (typeof header !== 'string') return; // not required here (the draft's 400 is for routes that require it)
    const principal = principalKey(request.scope, request.principal);
    if (principal === undefined) return;
    const keyScope = { principal, method: request.method, path: request.url.split('?')[0], key: normalizeKey(header) };
    const fingerprint = fingerprintOf(bodyOf(request), request.routeOptions.config.sealedBodyMembers);
    const now = clock.now();
    const outcome = await store.claim(keyScope, fingerprint, now, leaseMs, retentionMs);
    if (outcome.held) {
      if (outcome.key.tookOver) request.log.warn({ idempotencyKey: outcome.key.id }, 'idempotency key taken over from a request whose lease ran out');
      held.set(request, outcome.key);
      const renewEveryMs = Math.min(IDEMPOTENCY_LEASE_RENEW_EVERY_MS, leaseMs / 3);
      leaseKeepers.set(request, keepLease(outcome.key, now, { store, clock, log: request.log, leaseMs, renewEveryMs, maxHoldMs: options.maxHoldMs ?? IDEMPOTENCY_MAX_HOLD_MS }));
      return;
    }
    return answerTaken(reply, outcome.taken, fingerprint, now);
  });
  // Whatever became of the answer, the request no longer runs.
  scope.addHook('onResponse', async (request) => stopKeepingLease(request));

  // Stored before the client sees the answer, so its next retry finds it; a server error frees
  // the key instead. A failure to store is logged and the answer still goes out: the effect has
  // happened, and the use case's own check (file-ticket's key on the ticket row) guards a retry.
  scope.addHook('onSend', async (request, reply, payload) => {
    const key = held.get(request);
    if (!key) return payload;
    held.delete(request);
    stopKeepingLease(request);
    try {
      const status = reply.statusCode;
      const body = typeof payload === 'string' ? Buffer.from(payload) : Buffer.isBuffer(payload) ? payload : payload == null ? Buffer.alloc(0) : undefined;
      const fate = fateOfAnswer({
        status,
        bodyCutShort: bodyCutShort(request),
        noStore: marksNoStore(reply.getHeader('cache-control')),
        unknownTicket: reply.hasHeader(UNKNOWN_TICKET_HEADER),
        ticketBehind: reply.hasHeader(TICKET_BEHIND_HEADER),
      });
      if (fate === 'release' || body === undefined) {
        if (body === undefined) request.log.warn({ idempotencyKey: key.id }, 'a streamed answer cannot be replayed; its idempotency key is released');
        await store.release(key);
        return payload;
      }
      const answer = fate === 'withhold' ? withheldAnswer(request, status, locationOfAnswer(request, reply)) : { status, headers: replayableHeaders(reply.getHeaders()), body };
      const kept = await store.complete(key, answer, clock.now());
      if (!kept) request.log.warn({ idempotencyKey: key.id }, 'idempotency key was taken over before its answer was stored');
    } catch (error) {
      // The request's logger: the line carries its reqId and trace_id, to find the request it is about.
      request.log.error({ err: error, component: 'idempotency', idempotencyKey: key.id }, 'could not store the answer of an idempotent request');
    }
    return payload;
  });
};

/**
 * What the key keeps of a success whose answer shows a secret once: not the answer, which only its
 * first client may ever see, but a 409 saying so, with the first answer's Location (where the
 * created client or endpoint is), so the retry knows the request was done and runs nothing.
 */
const withheldAnswer = (request: FastifyRequest, status: number, location: string | undefined): StoredResponse => {
  const problem = problemFor({
    kind: 'idempotency_answer_withheld',
    detail:
      `The first request with this Idempotency-Key succeeded (${status}). Its answer was marked Cache-Control: no-store (it may show ` +
      'a secret once) and is not kept. What it made is at Location, if there is one: rotate its secret if the answer was lost. A new request needs a new key.',
  });
  return {
    status: problem.status,
    headers: { 'content-type': `${PROBLEM_CONTENT_TYPE}; charset=utf-8`, ...(location !== undefined ? { location } : {}) },
    body: Buffer.from(JSON.stringify({ ...problem, instance: problemInstanceOf(request.url) })),
  };
};

const answerTaken = (reply: FastifyReply, taken: TakenKey, fingerprint: string | null, now: Date): FastifyReply => {
  const verdict = verdictFor(taken, fingerprint, now);
  switch (verdict.kind) {
    case 'mismatch':
      return sendFailure(reply, { kind: 'idempotency_mismatch', detail: 'This Idempotency-Key was used for a different request.' });
    case 'in_flight':
      reply.header('retry-after', String(verdict.retryAfterSeconds));
      // The holder may have died (a crash, or its release failed with the database): say so, and
      // when its claim lapses, rather than promise a request that may not be running.
      return sendFailure(reply, {
        kind: 'idempotency_in_flight',
        detail:
          'A request with this Idempotency-Key is still being processed, or an earlier attempt with it was interrupted. ' +
          `If it was interrupted, the key is free again within ${verdict.leaseLeftSeconds} s; retry later.`,
      });
    case 'replay': {
      const response = taken.response;
      if (!response) throw new Error('a done idempotency key without its answer');
      return reply.code(response.status).headers(response.headers).header(REPLAYED_HEADER, 'true').send(response.body);
    }
  }
};
