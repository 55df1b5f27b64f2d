import { createHash } from 'node:crypto';
import { requestVerifier, type Principal, type RequestScope } from '@tss/service-kit';

/**
 * The rules of the IETF Idempotency-Key draft (draft-ietf-httpapi-idempotency-key-header) as TSS
 * applies them, free of HTTP and SQL: whose key it is, what a request's fingerprint is, and what a
 * request that finds the key already used gets (docs/adr/0028).
 */

/** How long a key is kept after its first request: the draft leaves it to the resource; ours is 24 h (issue #9). */
export const IDEMPOTENCY_KEY_RETENTION_MS = 24 * 60 * 60 * 1000;

/** When a key first used at `firstRequestAt` expires: from then on a request with it is a new request (docs/adr/0028). */
export const keyExpiresAt = (firstRequestAt: Date, retentionMs: number = IDEMPOTENCY_KEY_RETENTION_MS): Date => new Date(firstRequestAt.getTime() + retentionMs);

/**
 * Whether a key first used at `firstRequestAt` still binds a request at `now`: the claim's own rule
 * (a row whose `expires_at <= now` is new, idempotency.store.ts), for a use case that keeps a copy
 * of the key on what the first request made (ticket-intake's tickets and messages), so its check
 * and the claim agree that a key is new again once it expires (addendum of 2026-12-05, fourth session).
 */
export const keyStillBinds = (firstRequestAt: Date, now: Date, retentionMs: number = IDEMPOTENCY_KEY_RETENTION_MS): boolean =>
  now.getTime() < keyExpiresAt(firstRequestAt, retentionMs).getTime();
/**
 * How long a claim lasts unless its holder renews it: a retry with the same body takes over a key
 * whose lease ran out. Short, so a key whose holder was killed, or whose release failed with the
 * database, is free seconds after the service can serve again (docs/adr/0028, fifth session).
 */
export const IDEMPOTENCY_LEASE_MS = 10_000;
/** How often a request still running renews its lease: three tries before it would run out. */
export const IDEMPOTENCY_LEASE_RENEW_EVERY_MS = IDEMPOTENCY_LEASE_MS / 3;
/**
 * How long a live request may keep its key by renewing: a handler stuck longer than this stops
 * renewing, and its key is taken over a lease later. Far above any request we serve (a 25 MiB
 * message is read before the claim).
 */
export const IDEMPOTENCY_MAX_HOLD_MS = 5 * 60_000;
/**
 * Retry-After of the 409 a retry gets while the first request with its key runs. A first request
 * takes about 100 ms, so the retry is told to come back in a second, not when the lease ends: the
 * lease only bounds a request whose worker crashed, and a retry after it takes the key over.
 */
export const IDEMPOTENCY_IN_FLIGHT_RETRY_AFTER_SECONDS = 1;

/** The response headers a replay repeats (the rest, request id and the like, are the replay's own). */
export const REPLAYED_HEADERS = ['content-type', 'location', 'content-location', 'etag'] as const;
/** Set on a replayed response, as Stripe and the draft's examples do. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/** What a key is unique within: the caller, the method and the path (the draft's "resource"). */
export interface KeyScope {
  principal: string;
  method: string;
  path: string;
  key: string;
}

/** A stored key as the rules need it. */
export interface KeyRecord {
  state: 'in_flight' | 'done';
  fingerprint: string | null;
  leaseUntil: Date | null;
}

export type KeyVerdict =
  | { kind: 'replay' }
  /** The draft's 422: the key was used with a different request. */
  | { kind: 'mismatch' }
  /**
   * The draft's 409: the first request with the key is still running, or was interrupted and its
   * claim has `leaseLeftSeconds` to run before a retry takes it over.
   */
  | { kind: 'in_flight'; retryAfterSeconds: number; leaseLeftSeconds: number };

/**
 * The key as sent. The draft makes it a Structured Field String (`"8e03978e-…"`, RFC 8941); most
 * clients send it bare, as Stripe's API does. Both are accepted and name the same key.
 */
export const normalizeKey = (header: string): string => {
  const quoted = /^"((?:[^"\\]|\\["\\])*)"$/.exec(header);
  return quoted ? quoted[1].replace(/\\(["\\])/g, '$1') : header;
};

/**
 * Whose keys these are. A partner's keys are its own; a requester's are that requester's alone
 * (a partner's key must not replay its answer to one of its clients, nor the other way round);
 * staff members' are each their own. Another caller's key is another key (tenancy, DESIGN).
 */
export const principalKey = (scope: RequestScope | undefined, principal: Principal | undefined): string | undefined => {
  if (scope) {
    switch (scope.kind) {
      case 'partner':
        return `partner:${scope.partnerId}`;
      case 'requester':
        return `requester:${scope.partnerId}:${scope.requesterId}`;
      case 'staff':
        return `staff:${scope.staffId}`;
    }
  }
  return principal ? `${principal.kind}:${principal.partnerId ?? ''}:${principal.subject}` : undefined;
};

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** The row id of a key: a digest, so the index entry has one size whatever the path's length. */
export const keyRecordId = (scope: KeyScope): string => sha256([scope.principal, scope.method, scope.path, scope.key].join('\0'));

/**
 * The request's fingerprint: SHA-256 of the canonical JSON of the parsed body, so a retry that
 * orders the same fields differently is the same request; of nothing for a request without a body.
 * A body the route reads itself as a stream (multipart) has none: its key is compared alone.
 * P9: kept 24 h, past the vault's destruction of what the body handed over, so it is taken with
 * each access particular replaced by a placeholder and the members the route seals (`sealedMembers`:
 * a vault's secret) left out by value (`requestVerifier`, docs/adr/0028, addendum of 2026-12-05,
 * fourth session): a body that differs only in those is the same request.
 */
export const fingerprintOf = (body: { kind: 'json'; value: unknown } | { kind: 'none' } | { kind: 'stream' }, sealedMembers: readonly string[] = []): string | null => {
  switch (body.kind) {
    case 'json':
      return requestVerifier(body.value, sealedMembers);
    case 'none':
      return sha256('');
    case 'stream':
      return null;
  }
};

/** What a request gets when its key is already taken (a claim that found the row). */
export const verdictFor = (record: KeyRecord, fingerprint: string | null, now: Date): KeyVerdict => {
  // A different request under the key is refused whether or not the first one has finished.
  if (record.fingerprint !== null && fingerprint !== null && record.fingerprint !== fingerprint) return { kind: 'mismatch' };
  if (record.state === 'done') return { kind: 'replay' };
  const leaseLeftMs = record.leaseUntil === null ? 0 : record.leaseUntil.getTime() - now.getTime();
  return { kind: 'in_flight', retryAfterSeconds: IDEMPOTENCY_IN_FLIGHT_RETRY_AFTER_SECONDS, leaseLeftSeconds: Math.max(1, Math.ceil(leaseLeftMs / 1000)) };
};

/**
 * Until when a request that claimed its key at `claimedAt` and still runs at `now` holds it: a
 * lease from now, but never past `claimedAt + maxHoldMs`; undefined once that is reached (a stuck
 * handler stops renewing, and its key lapses with the lease it has).
 */
export const renewedLeaseUntil = (claimedAt: Date, now: Date, leaseMs: number, maxHoldMs: number): Date | undefined => {
  const holdEndsAt = claimedAt.getTime() + maxHoldMs;
  if (now.getTime() >= holdEndsAt) return undefined;
  return new Date(Math.min(now.getTime() + leaseMs, holdEndsAt));
};

/** Whether a response is kept for replay: everything but server errors, which the client may retry (docs/adr/0028). */
export const isReplayable = (status: number): boolean => status < 500;

/** How an answer came about, as far as keeping it goes. */
export interface AnswerCircumstances {
  status: number;
  /** The request's body never arrived whole: its client went away (closed, reset) before the last byte. */
  bodyCutShort: boolean;
  /** The answer says `Cache-Control: no-store` (a secret shown once: a client secret, a webhook signing secret). */
  noStore: boolean;
  /**
   * A 404 for a ticket the service's projection does not hold yet, maybe only not yet (docs/adr/0068):
   * the gateway makes it a 503 to retry, and the retry must run afresh, not replay this 404.
   */
  unknownTicket?: boolean;
  /**
   * A refusal marked as the service's projection being behind intake (TICKET_BEHIND_HEADER: rating's
   * 409 "not resolved" of a ticket maybe resolved a moment ago): the gateway may make it a 503 to
   * retry, and the retry must run afresh, not replay this refusal (docs/adr/0068, addendum of 2026-12-05).
   */
  ticketBehind?: boolean;
}

/**
 * What becomes of a held key once its answer is known (docs/adr/0028):
 * - `keep`: the answer is stored and replayed to the key's retries;
 * - `withhold`: a success whose answer must not be stored: the key is kept, so a retry runs
 *   nothing, but it gets a 409 naming where the first one's resource is instead of the answer;
 * - `release`: the key is freed and a retry runs afresh.
 * A refusal of a body cut short (a multipart upload whose client timed out) answers bytes that
 * never arrived, not the request the client will send again: kept, it would refuse every complete
 * retry for 24 h. A success is kept even then: its effect happened. So is a 404 for a ticket the
 * service has not learned of yet: kept, it would answer "no such ticket" to every retry for 24 h
 * after the ticket arrived (docs/adr/0068); and a refusal marked as the service being behind
 * (a rating's "not resolved" right after the resolution), for the same reason.
 */
export const fateOfAnswer = ({ status, bodyCutShort, noStore, unknownTicket = false, ticketBehind = false }: AnswerCircumstances): 'keep' | 'withhold' | 'release' => {
  if (!isReplayable(status) || (bodyCutShort && status >= 400) || unknownTicket || ticketBehind) return 'release';
  // RFC 9111: no-store forbids keeping any part of the response; our key table is such a store.
  if (noStore) return status < 400 ? 'withhold' : 'release';
  return 'keep';
};

/** Whether a Cache-Control field value (or values) carries the `no-store` directive (RFC 9111 §5.2.2.5). */
export const marksNoStore = (cacheControl: unknown): boolean =>
  (Array.isArray(cacheControl) ? cacheControl : [cacheControl])
    .filter((value): value is string => typeof value === 'string')
    .flatMap((value) => value.split(','))
    .some((directive) => directive.split('=')[0].trim().toLowerCase() === 'no-store');

/** The headers of a response a replay repeats, as stored. */
export const replayableHeaders = (headers: Readonly<Record<string, unknown>>): Record<string, string> =>
  Object.fromEntries(
    REPLAYED_HEADERS.flatMap((name) => {
      const value = headers[name];
      return typeof value === 'string' || typeof value === 'number' ? [[name, String(value)]] : [];
    }),
  );
