import type { EntityManager } from 'typeorm';
import { prepared } from '@tss/persistence';
import { bringTimersForwardSql } from '@tss/timers';
import type { StoredSecret } from '../domain/webhook-endpoint';
import { instanceDeadSql } from './instance.store';
import { storedSecret } from './webhook-endpoint.store';
import { rowsOf } from './webhook-rows';

const T = 'notification.webhook_deliveries';
/**
 * LOCK_ORDER: every statement that locks several deliveries and may wait takes the ones not `held`
 * first, by id, then the `held` ones, by id. A record (recordSuccesses, recordWebhookAttempt) locks
 * the delivery that ended before the held one it releases; a queuer (insertReady) locks a ticket's
 * unfinished deliveries in the same order, so neither holds what the other waits for.
 * Claims and timer batches skip locked rows (SKIP LOCKED) and never wait.
 */
/** A delivery not yet ended: it holds the later deliveries of its ticket to its endpoint (docs/adr/0066). */
const UNFINISHED = `('pending', 'held', 'ready', 'in_flight')`;
/** Where `insertReady` numbers the caller's timer statement's parameters from. */
export const INSERT_READY_TIMER_PARAMS_FROM = 11;

/**
 * `held`: queued behind an unfinished delivery of the same ticket to the same endpoint; that one
 * releases it (makes it `ready`) when it ends (docs/adr/0066).
 */
/** Where a page of the delivery log ended: its last delivery's sort keys. */
export interface DeliveryPosition {
  createdAt: Date;
  id: string;
}

export type DeliveryStatus = 'pending' | 'held' | 'ready' | 'in_flight' | 'succeeded' | 'failed' | 'cancelled';
export type DeliveryReason = 'event' | 'replay' | 'ping';

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  /** The `webhook-id`: the event's id, the same on every attempt and replay, so receivers dedupe by it. */
  messageId: string;
  eventType: string;
  body: string;
  reason: DeliveryReason;
  status: DeliveryStatus;
  /** Every attempt made, manual retries' included. */
  attempts: number;
  /** Where the retry schedule counts from: 0, or `attempts` when it was last retried by hand (a fresh round). */
  roundStartAttempts: number;
  /** Attempts that failed, kept when a later one succeeds. */
  failedAttempts: number;
  /** The last failed attempt (its start, status, error), kept when a later one succeeds. */
  lastFailure: { at: Date; statusCode: number | null; error: string | null } | null;
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastLatencyMs: number | null;
  lastError: string | null;
  createdAt: Date;
  completedAt: Date | null;
}

/** A delivery a sender claimed, with what it needs to send it. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  messageId: string;
  body: string;
  attempts: number;
  claimToken: string;
  /** The trace of the event that queued it (internal: never sent to the receiver). */
  trace: { traceparent?: string; tracestate?: string };
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  message_id: string;
  event_type: string;
  body: string;
  reason: DeliveryReason;
  status: DeliveryStatus;
  attempts: number;
  round_start_attempts: number;
  failed_attempts: number;
  last_failed_at: Date | null;
  last_failure_status_code: number | null;
  last_failure_error: string | null;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_latency_ms: number | null;
  last_error: string | null;
  created_at: Date;
  completed_at: Date | null;
}

const toDelivery = (r: DeliveryRow): WebhookDelivery => ({
  id: r.id,
  endpointId: r.endpoint_id,
  messageId: r.message_id,
  eventType: r.event_type,
  body: r.body,
  reason: r.reason,
  status: r.status,
  attempts: r.attempts,
  roundStartAttempts: r.round_start_attempts,
  failedAttempts: r.failed_attempts,
  lastFailure: r.last_failed_at ? { at: r.last_failed_at, statusCode: r.last_failure_status_code, error: r.last_failure_error } : null,
  nextAttemptAt: r.next_attempt_at,
  lastAttemptAt: r.last_attempt_at,
  lastStatusCode: r.last_status_code,
  lastLatencyMs: r.last_latency_ms,
  lastError: r.last_error,
  createdAt: r.created_at,
  completedAt: r.completed_at,
});

/** What signs a claimed delivery: its endpoint's URL and secrets, read by the claim itself. */
export interface ClaimedEndpoint {
  id: string;
  url: string;
  /** Whose it is: only the ticket's partner's own endpoint is sent the requester's link credentials. */
  ownerKind: 'partner' | 'staff';
  partnerId: string | null;
  secret: StoredSecret;
  previousSecret: StoredSecret | null;
  previousSecretExpiresAt: Date | null;
}

/** A statement outside any transaction (a DataSource: PostgreSQL's own, one statement long) or in one. */
export type Queryable = Pick<EntityManager, 'query'>;

export interface AttemptResult {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/**
 * CTEs (`released`, `notified`) that release, for each ended delivery in `ended` (id, endpoint_id,
 * subject), the next unfinished delivery of its subject to its endpoint if it is `held`, and NOTIFY
 * `channel` once if any was. The ended ones are left out by id: in one statement with the update
 * that ended them, the table still shows them unfinished.
 */
const releaseNextSql = (ended: string, nowParam: string, channelParam: string): string => `next_in_line AS (
         SELECT DISTINCT ON (h.endpoint_id, h.subject) h.id, h.status
           FROM (SELECT DISTINCT endpoint_id, subject FROM ${ended} WHERE subject IS NOT NULL) c
           JOIN ${T} h ON h.endpoint_id = c.endpoint_id AND h.subject = c.subject
          WHERE h.subject IS NOT NULL AND h.status IN ${UNFINISHED} AND h.id NOT IN (SELECT id FROM ${ended})
          ORDER BY h.endpoint_id, h.subject, h.queue_seq
       ), to_release AS (
         -- Locked by id (LOCK_ORDER): a record releasing several holds them in the order a queuer takes them.
         SELECT d.id FROM ${T} d JOIN next_in_line n ON n.id = d.id WHERE n.status = 'held' AND d.status = 'held' ORDER BY d.id FOR UPDATE OF d
       ), released AS (
         UPDATE ${T} d SET status = 'ready', ready_at = ${nowParam}
           FROM to_release r WHERE d.id = r.id AND d.status = 'held'
         RETURNING d.id
       ), notified AS (
         SELECT pg_notify(${channelParam}, '') FROM (SELECT 1 FROM released LIMIT 1) r
       )`;

export const webhookDeliveryStore = {
  /**
   * Queues deliveries ready for a sender at once (issue #15: a delivery queued due now no longer
   * waits for a timer to fire to become ready), in one statement with the caller's timers (their
   * watchdogs, `TimerStore.scheduleAllStatement` numbered from `INSERT_READY_TIMER_PARAMS_FROM`)
   * and a NOTIFY on `channel`, which PostgreSQL sends at commit. Rows in the given order, which is
   * their place in line: one behind an unfinished delivery of its subject (ticket) to its
   * endpoint, queued before or earlier in this batch, is `held` instead (docs/adr/0066; one
   * index probe per row).
   */
  async insertReady(
    tx: EntityManager,
    ds: readonly (Pick<WebhookDelivery, 'id' | 'endpointId' | 'messageId' | 'eventType' | 'body' | 'reason'> & {
      subject?: string;
      trace?: { traceparent?: string; tracestate?: string };
    })[],
    now: Date,
    also: { timers: { sql: string; params: unknown[] }; channel: string },
  ): Promise<void> {
    if (ds.length === 0) return;
    const notifyParam = INSERT_READY_TIMER_PARAMS_FROM + also.timers.params.length;
    await tx.query(
      prepared(`WITH d AS MATERIALIZED (
         -- Numbered in the given order: the function scan yields the rows in it.
         SELECT d.*, nextval('notification.webhook_deliveries_queue_seq') AS queue_seq
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $8::text[], $9::text[], $10::text[])
                WITH ORDINALITY AS d(id, endpoint_id, message_id, event_type, body, reason, traceparent, tracestate, subject, n)
       ), ahead AS MATERIALIZED (
         -- The unfinished deliveries ahead of these, share-locked as they are read: one whose
         -- success is being recorded is waited for and read again as it ended (these then go out
         -- ready), or its record waits for this transaction and then releases the one it finds held
         -- (the second statement of recordSuccesses). Unlocked, each could miss the other and leave a
         -- delivery held until its watchdog (docs/adr/0066).
         -- Locked in the order a record takes them (LOCK_ORDER): those not held first, by id, then
         -- the held ones, by id. A record locks the delivery that ended, then the held one it
         -- releases; by id alone, this statement could hold that held one while waiting for the
         -- ended one, each waiting for the other (a deadlock).
         SELECT u.endpoint_id, u.subject FROM ${T} u
          WHERE (u.endpoint_id, u.subject) IN (SELECT endpoint_id, subject FROM d WHERE subject IS NOT NULL)
            AND u.subject IS NOT NULL AND u.status IN ${UNFINISHED}
          ORDER BY u.status = 'held', u.id FOR SHARE OF u
       ), placed AS (
         SELECT d.*, d.subject IS NOT NULL AND (
                  row_number() OVER (PARTITION BY d.endpoint_id, d.subject ORDER BY d.n) > 1
                  OR EXISTS (SELECT 1 FROM ahead u WHERE u.endpoint_id = d.endpoint_id AND u.subject = d.subject)
                ) AS held
           FROM d
       ), queued AS (
         INSERT INTO ${T} (id, endpoint_id, message_id, event_type, body, reason, status, next_attempt_at, ready_at, created_at, traceparent, tracestate, subject, queue_seq)
         SELECT p.id, p.endpoint_id, p.message_id, p.event_type, p.body, p.reason,
                CASE WHEN p.held THEN 'held' ELSE 'ready' END, CASE WHEN p.held THEN NULL ELSE $7::timestamptz END,
                CASE WHEN p.held THEN NULL ELSE $7::timestamptz END, $7, p.traceparent, p.tracestate, p.subject, p.queue_seq
           FROM placed p
          ORDER BY p.n
       ), watchdogs AS (
         ${also.timers.sql}
       )
       -- Every row ahead read, so every one locked, whatever the EXISTS above needed.
       SELECT pg_notify($${notifyParam}, '') FROM (SELECT count(*) FROM ahead) locked`),
      [
        ds.map((d) => d.id),
        ds.map((d) => d.endpointId),
        ds.map((d) => d.messageId),
        ds.map((d) => d.eventType),
        ds.map((d) => d.body),
        ds.map((d) => d.reason),
        now,
        ds.map((d) => d.trace?.traceparent ?? null),
        ds.map((d) => d.trace?.tracestate ?? null),
        ds.map((d) => d.subject ?? null),
        ...also.timers.params,
        also.channel,
      ],
    );
  },

  /**
   * A batch of attempt timers fired: their deliveries become ready for a sender, in one statement.
   * One still `in_flight` had its sender die (or lose its database) mid-attempt; it is made ready
   * again (at-least-once). One still `ready` (every slot of its endpoint busy) keeps its place in
   * line. A disabled endpoint's delivery is cancelled instead (a retry or replay after re-enabling
   * sends it). Rows another transaction holds (a
   * claim, a record, a retry) are skipped, not waited for: the timer worker holds the timers'
   * rows, and those transactions lock a delivery before its timer, so waiting could deadlock.
   * A delivery in flight whose attempt began less than `watchdogMs` ago is alive: a claim does not
   * re-arm its timer (issue #15: one statement less per claim), so the timer may come due while the
   * attempt runs; it is left as it is and returned with the time its watchdog is really due. One
   * whose claim was taken back (no claim token: its instance stopped beating,
   * `takeBackClaimsOfDeadInstances`) is not alive, however recent.
   * A `held` delivery's timer is its watchdog too: one whose ticket has no earlier unfinished
   * delivery to its endpoint left (a release missed: it was queued while the one ahead ended) is
   * made ready; one still behind another is left held and returned in `held`.
   * Returns the ids made ready, those alive, those still held, and those skipped (the others were
   * cancelled for a disabled endpoint, or are finished).
   */
  async markAllReady(
    tx: EntityManager,
    ids: readonly string[],
    now: Date,
    watchdogMs: number,
  ): Promise<{ ready: string[]; alive: { id: string; watchdogAt: Date }[]; held: string[]; skipped: string[] }> {
    if (ids.length === 0) return { ready: [], alive: [], held: [], skipped: [] };
    const aliveSince = new Date(now.getTime() - watchdogMs);
    const rows = rowsOf<{ id: string; locked: boolean; enabled: boolean | null; alive_since: Date | null; held: boolean }>(await tx.query(
      `WITH locked AS (
         SELECT d.id FROM ${T} d WHERE d.id = ANY($1::uuid[]) ORDER BY d.id FOR UPDATE SKIP LOCKED
       ), behind AS (
         SELECT d.id FROM ${T} d JOIN locked ON locked.id = d.id
          WHERE d.status = 'held' AND EXISTS (
                  SELECT 1 FROM ${T} a WHERE a.endpoint_id = d.endpoint_id AND a.subject = d.subject AND a.subject IS NOT NULL
                     AND a.status IN ${UNFINISHED} AND a.queue_seq < d.queue_seq)
       ), changed AS (
         UPDATE ${T} d SET status = CASE WHEN e.status = 'enabled' THEN 'ready' ELSE 'cancelled' END,
                ready_at = CASE WHEN d.status = 'ready' THEN d.ready_at ELSE $2 END,
                completed_at = CASE WHEN e.status = 'enabled' THEN NULL ELSE $2 END,
                claim_token = NULL
           FROM locked, notification.webhook_endpoints e
          WHERE d.id = locked.id AND e.id = d.endpoint_id AND d.status IN ${UNFINISHED}
            AND NOT (d.status = 'in_flight' AND e.status = 'enabled' AND d.last_attempt_at > $3 AND d.claim_token IS NOT NULL)
            AND NOT (e.status = 'enabled' AND d.id IN (SELECT id FROM behind))
          RETURNING d.id, e.status = 'enabled' AS enabled
       )
       SELECT d.id, locked.id IS NOT NULL AS locked, changed.enabled,
              CASE WHEN locked.id IS NOT NULL AND changed.id IS NULL AND d.status = 'in_flight' AND d.last_attempt_at > $3 AND d.claim_token IS NOT NULL THEN d.last_attempt_at END AS alive_since,
              changed.id IS NULL AND d.id IN (SELECT id FROM behind) AS held
         FROM ${T} d LEFT JOIN locked ON locked.id = d.id LEFT JOIN changed ON changed.id = d.id
        WHERE d.id = ANY($1::uuid[])`,
      [ids, now, aliveSince],
    ));
    return {
      ready: rows.filter((r) => r.enabled === true).map((r) => r.id),
      alive: rows.flatMap((r) => (r.alive_since ? [{ id: r.id, watchdogAt: new Date(r.alive_since.getTime() + watchdogMs) }] : [])),
      held: rows.filter((r) => r.held).map((r) => r.id),
      skipped: rows.filter((r) => !r.locked).map((r) => r.id),
    };
  },

  /**
   * Records successful attempts in one statement, for the claims still held (`claimToken`
   * matches), with the rest of a success (issue #15): the deliveries' pending timers
   * (`timerIdPrefix` + id in `timerSchema`) deleted, their endpoints' failing streaks ended (not
   * for a ping), and the next delivery of each one's ticket to its endpoint released, with a NOTIFY
   * on `channel` at commit (docs/adr/0066). Each statement is atomic: they need no transaction of
   * their own. `completedAt`: when the receiver answered (default `now`), which a success recorded
   * after an outage keeps (docs/adr/0043, addendum of 2026-12-05, fourth session). Returns the ids
   * recorded.
   */
  async recordSuccesses(
    db: Queryable,
    results: readonly { id: string; claimToken: string; statusCode: number; latencyMs: number; completedAt?: Date }[],
    now: Date,
    timers: { schema: string; idPrefix: string },
    channel: string,
  ): Promise<string[]> {
    if (results.length === 0) return [];
    const rows = rowsOf<{ id: string; endpoint_id: string; subject: string | null }>(await db.query(
      `WITH r AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::int[], $8::timestamptz[]) AS r(id, claim_token, status_code, latency_ms, completed_at)
       ), target AS (
         SELECT d.id FROM ${T} d JOIN r ON r.id = d.id AND d.claim_token = r.claim_token WHERE d.status = 'in_flight' ORDER BY d.id FOR UPDATE OF d
       ), succeeded AS (
         UPDATE ${T} d SET status = 'succeeded', next_attempt_at = NULL, completed_at = r.completed_at, claim_token = NULL,
                last_status_code = r.status_code, last_latency_ms = r.latency_ms, last_error = NULL
           FROM target, r
          WHERE d.id = target.id AND r.id = d.id AND d.status = 'in_flight' AND d.claim_token = r.claim_token
          RETURNING d.id, d.endpoint_id, d.reason, d.subject
       ), cancelled AS (
         DELETE FROM "${timers.schema}".timers t USING succeeded s WHERE t.id = $6 || s.id::text AND t.status = 'pending'
       ), streaks_ended AS (
         UPDATE notification.webhook_endpoints e SET failing_since = NULL, updated_at = $5
          WHERE e.id IN (SELECT endpoint_id FROM succeeded WHERE reason <> 'ping') AND e.failing_since IS NOT NULL
       ), ${releaseNextSql('succeeded', '$5', '$7')}
       SELECT s.id, s.endpoint_id, s.subject, n.notified FROM succeeded s CROSS JOIN (SELECT count(*) AS notified FROM notified) n`,
      [results.map((r) => r.id), results.map((r) => r.claimToken), results.map((r) => r.statusCode), results.map((r) => Math.round(r.latencyMs)), now, timers.idPrefix, channel, results.map((r) => r.completedAt ?? now)],
    ));
    // Again in a statement of its own, whose snapshot shows what was queued behind these while the
    // first waited on the queuer's lock (`insertReady`): that one is released here, not two minutes
    // later by its watchdog. Releasing twice changes nothing: only a `held` row is made ready.
    const ordered = rows.filter((r) => r.subject !== null);
    if (ordered.length > 0) {
      await db.query(
        `WITH ended AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS e(id, endpoint_id, subject)), ${releaseNextSql('ended', '$4', '$5')}
         SELECT count(*) FROM notified`,
        [ordered.map((r) => r.id), ordered.map((r) => r.endpoint_id), ordered.map((r) => r.subject), now, channel],
      );
    }
    return rows.map((r) => r.id);
  },

  /**
   * Claims up to `limit` ready deliveries of enabled endpoints, at most `perEndpoint` in flight per
   * endpoint, oldest first; rows another sender holds are skipped (SKIP LOCKED), so a slow
   * endpoint's deliveries never stand in front of another's. Each enabled endpoint's first few in
   * line come from an index (`webhook_deliveries_ready_by_endpoint`): the cost follows the number
   * of endpoints, not of queued deliveries (issue #15). Its attempts in flight are counted, up to
   * the limit, in the order of `webhook_deliveries_in_flight`, which only an index scan gives: a
   * bitmap scan would visit the row of every attempt finished since the last vacuum, on every
   * claim. `answered`: per endpoint, this sender's attempts whose endpoint answered and whose
   * result is still being recorded; in flight in their rows, not to their endpoint, so not
   * counted (docs/adr/0055). One statement, returning the claimed
   * deliveries' endpoints (URL, secrets) too: outside a transaction it commits at once, one round
   * trip per claim. The deliveries' timers are not re-armed: `markAllReady` finds an attempt begun
   * less than a watchdog ago alive and leaves it. `instanceId`: the claimer's instance, which a live
   * instance takes the claim back from if it stops beating (null: none; its watchdog alone does).
   */
  async claimReady(
    db: Queryable,
    options: { now: Date; limit: number; perEndpoint: number; token: string; answered?: ReadonlyMap<string, number>; instanceId?: string | null },
  ): Promise<{ claimed: ClaimedDelivery[]; endpoints: Map<string, ClaimedEndpoint> }> {
    const rows = rowsOf<{
      id: string;
      endpoint_id: string;
      message_id: string;
      body: string;
      attempts: number;
      traceparent: string | null;
      tracestate: string | null;
      url: string;
      owner_kind: 'partner' | 'staff';
      partner_id: string | null;
      secret: string | null;
      secret_sealed: Buffer | null;
      secret_master_key_id: string | null;
      previous_secret: string | null;
      previous_secret_sealed: Buffer | null;
      previous_secret_master_key_id: string | null;
      previous_secret_expires_at: Date | null;
    }>(await db.query(
      `WITH answered AS (
         SELECT * FROM unnest($5::uuid[], $6::int[]) AS a(endpoint_id, n)
       ), room AS (
         SELECT e.id, $3::int + coalesce(a.n, 0) - (
                  SELECT count(*) FROM (
                    SELECT 1 FROM ${T} b WHERE b.endpoint_id = e.id AND b.status = 'in_flight'
                     ORDER BY b.last_attempt_at LIMIT $3::int + coalesce(a.n, 0)
                  ) f)::int AS n
           FROM notification.webhook_endpoints e LEFT JOIN answered a ON a.endpoint_id = e.id
          WHERE e.status = 'enabled'
       ), candidates AS (
         SELECT c.id FROM room CROSS JOIN LATERAL (
           SELECT d.id, d.ready_at FROM ${T} d
            WHERE d.endpoint_id = room.id AND d.status = 'ready'
            ORDER BY d.ready_at, d.created_at, d.id LIMIT greatest(room.n, 0)
         ) c
         ORDER BY c.ready_at, c.id LIMIT $2
       ), locked AS (
         SELECT d.id FROM ${T} d JOIN candidates c ON c.id = d.id WHERE d.status = 'ready' FOR UPDATE OF d SKIP LOCKED
       ), claimed AS (
         UPDATE ${T} d SET status = 'in_flight', claim_token = $4, claim_instance_id = $7, attempts = d.attempts + 1, last_attempt_at = $1, next_attempt_at = NULL
           FROM locked WHERE d.id = locked.id
         RETURNING d.id, d.endpoint_id, d.message_id, d.body, d.attempts, d.traceparent, d.tracestate
       )
       SELECT c.*, e.url, e.owner_kind, e.partner_id, e.secret, e.secret_sealed, e.secret_master_key_id,
              e.previous_secret, e.previous_secret_sealed, e.previous_secret_master_key_id, e.previous_secret_expires_at
         FROM claimed c JOIN notification.webhook_endpoints e ON e.id = c.endpoint_id`,
      [options.now, options.limit, options.perEndpoint, options.token, [...(options.answered?.keys() ?? [])], [...(options.answered?.values() ?? [])], options.instanceId ?? null],
    ));
    const endpoints = new Map<string, ClaimedEndpoint>();
    for (const r of rows) {
      if (endpoints.has(r.endpoint_id)) continue;
      endpoints.set(r.endpoint_id, {
        id: r.endpoint_id,
        url: r.url,
        ownerKind: r.owner_kind,
        partnerId: r.partner_id,
        secret: storedSecret(r.secret, r.secret_sealed, r.secret_master_key_id)!,
        previousSecret: storedSecret(r.previous_secret, r.previous_secret_sealed, r.previous_secret_master_key_id),
        previousSecretExpiresAt: r.previous_secret_expires_at,
      });
    }
    const claimed = rows.map((r) => ({
      id: r.id,
      endpointId: r.endpoint_id,
      messageId: r.message_id,
      body: r.body,
      attempts: r.attempts,
      claimToken: options.token,
      trace: { ...(r.traceparent ? { traceparent: r.traceparent } : {}), ...(r.tracestate ? { tracestate: r.tracestate } : {}) },
    }));
    return { claimed, endpoints };
  },

  /**
   * Takes back claims held by instances that stopped beating (`deadAfterMs`, by the database's
   * clock) or whose row is gone: the claim is void (no token: the late record of that attempt
   * finds its claim lost, and `markAllReady` no longer finds the attempt alive) and the delivery's
   * timer (`timerIdPrefix` + id in `timerSchema`, its watchdog) is re-targeted to `now`, so the
   * usual path makes it ready for a live sender at once, its ticket's later deliveries behind it.
   * One statement, at most `limit` deliveries; every row is locked `SKIP LOCKED` and nothing
   * waits (the timer worker holds timers before deliveries): a delivery or timer another
   * transaction holds is left for the next sweep, so two sweeps take a claim back once. Returns the
   * deliveries taken back.
   */
  async takeBackClaimsOfDeadInstances(
    db: Queryable,
    args: { deadAfterMs: number; now: Date; timerSchema: string; timerIdPrefix: string; limit: number },
  ): Promise<{ id: string; endpointId: string; attempt: number; instanceId: string }[]> {
    const timers = `"${args.timerSchema}".timers`;
    const rows = rowsOf<{ id: string; endpoint_id: string; attempts: number; instance_id: string }>(
      await db.query(
        `WITH dead AS (
           SELECT d.id, d.claim_instance_id FROM ${T} d
            WHERE d.status = 'in_flight' AND d.claim_instance_id IS NOT NULL AND ${instanceDeadSql('d.claim_instance_id', '$1')}
            LIMIT $4
              FOR UPDATE OF d SKIP LOCKED
         ), armed AS (
           SELECT t.id AS timer_id, dead.id, dead.claim_instance_id FROM ${timers} t JOIN dead ON t.id = $3 || dead.id::text
            WHERE t.status = 'pending'
              FOR UPDATE OF t SKIP LOCKED
         ), retargeted AS (
           ${bringTimersForwardSql(args.timerSchema, { from: 'armed', timerIdColumn: 'timer_id', now: '$2', returning: 'armed.id, armed.claim_instance_id' })}
         )
         UPDATE ${T} d SET claim_token = NULL, claim_instance_id = NULL
           FROM retargeted r WHERE d.id = r.id
         RETURNING d.id, d.endpoint_id, d.attempts, r.claim_instance_id AS instance_id`,
        [args.deadAfterMs, args.now, args.timerIdPrefix, args.limit],
      ),
    );
    return rows.map((r) => ({ id: r.id, endpointId: r.endpoint_id, attempt: r.attempts, instanceId: r.instance_id }));
  },

  /** Locks the delivery if the claim is still its own (a watchdog may have handed it to another sender). */
  async lockClaimed(tx: EntityManager, id: string, claimToken: string): Promise<WebhookDelivery | undefined> {
    const rows: DeliveryRow[] = await tx.query(`SELECT * FROM ${T} WHERE id = $1 AND status = 'in_flight' AND claim_token = $2 FOR UPDATE`, [id, claimToken]);
    return rows[0] ? toDelivery(rows[0]) : undefined;
  },

  /** The attempt's result; a failed one (`failed`, or `pending` a retry) is also kept as the last failure. */
  async recordAttempt(
    tx: EntityManager,
    id: string,
    result: AttemptResult,
    next: { status: 'succeeded' | 'failed' | 'pending'; nextAttemptAt: Date | null; completedAt: Date | null },
  ): Promise<void> {
    await tx.query(
      `UPDATE ${T} SET status = $2, next_attempt_at = $3, completed_at = $4, claim_token = NULL,
              last_status_code = $5, last_latency_ms = $6, last_error = $7,
              failed_attempts = failed_attempts + CASE WHEN $2 = 'succeeded' THEN 0 ELSE 1 END,
              last_failed_at = CASE WHEN $2 = 'succeeded' THEN last_failed_at ELSE last_attempt_at END,
              last_failure_status_code = CASE WHEN $2 = 'succeeded' THEN last_failure_status_code ELSE $5 END,
              last_failure_error = CASE WHEN $2 = 'succeeded' THEN last_failure_error ELSE $7 END
        WHERE id = $1`,
      [id, next.status, next.nextAttemptAt, next.completedAt, result.statusCode, result.latencyMs, result.error],
    );
  },

  /**
   * A delivery ended (failed for good, or succeeded outside a batch) in `tx`: the next delivery of
   * its ticket to its endpoint is released, with a NOTIFY on `channel` at commit (docs/adr/0066).
   */
  async releaseNext(tx: EntityManager, id: string, now: Date, channel: string): Promise<void> {
    await tx.query(
      `WITH ended AS (
         SELECT d.id, d.endpoint_id, d.subject FROM ${T} d WHERE d.id = $1
       ), ${releaseNextSql('ended', '$2', '$3')}
       SELECT count(*) FROM notified`,
      [id, now, channel],
    );
  },

  /**
   * A manual retry: due now, with a fresh round of retries counted from the attempts made so far
   * (which go on counting: the history stays), queued anew (docs/adr/0066): it takes
   * the last place in its ticket's line, `held` if a delivery of its ticket to its endpoint is
   * still unfinished. Returns the status it now has.
   */
  async rearm(tx: EntityManager, id: string, now: Date): Promise<'pending' | 'held'> {
    const rows = rowsOf<{ status: 'pending' | 'held' }>(await tx.query(
      `UPDATE ${T} d SET status = CASE WHEN d.subject IS NOT NULL AND EXISTS (
                  SELECT 1 FROM ${T} u WHERE u.endpoint_id = d.endpoint_id AND u.subject = d.subject AND u.subject IS NOT NULL
                     AND u.status IN ${UNFINISHED} AND u.id <> d.id) THEN 'held' ELSE 'pending' END,
              queue_seq = nextval('notification.webhook_deliveries_queue_seq'),
              round_start_attempts = d.attempts, next_attempt_at = $2, completed_at = NULL, claim_token = NULL
        WHERE d.id = $1 RETURNING d.status`,
      [id, now],
    ));
    return rows[0]?.status ?? 'pending';
  },

  /** A disabled endpoint's queued deliveries: cancelled (a retry or replay re-queues them). */
  async cancelQueued(tx: EntityManager, endpointId: string, now: Date): Promise<string[]> {
    const rows = rowsOf<{ id: string }>(await tx.query(
      `UPDATE ${T} SET status = 'cancelled', next_attempt_at = NULL, completed_at = $2 WHERE endpoint_id = $1 AND status IN ('pending', 'held', 'ready') RETURNING id`,
      [endpointId, now],
    ));
    return rows.map((r) => r.id);
  },

  async find(tx: EntityManager, endpointId: string, id: string): Promise<WebhookDelivery | undefined> {
    const rows: DeliveryRow[] = await tx.query(`SELECT * FROM ${T} WHERE endpoint_id = $1 AND id = $2`, [endpointId, id]);
    return rows[0] ? toDelivery(rows[0]) : undefined;
  },

  /** Newest first; `before`: only those after that position in this order (keyset paging). */
  async list(tx: EntityManager, endpointId: string, options: { limit: number; status?: DeliveryStatus; before?: DeliveryPosition }): Promise<WebhookDelivery[]> {
    const { sql, params } = deliveryLogStatement(endpointId, options);
    const rows: DeliveryRow[] = await tx.query(sql, params);
    return rows.map(toDelivery);
  },
};

/**
 * The page's statement, written for its filter: a generic `($n IS NULL OR status = $n)` hides the
 * status from the planner, which then cannot use a partial index on it and read the endpoint's whole
 * log. The status is written as a literal of the closed set, so the plan never depends on a value
 * bound later. Served by `webhook_deliveries_log_by_status` (pending, held, failed, cancelled),
 * `webhook_deliveries_ready_by_endpoint`, `webhook_deliveries_in_flight`, and without a status or
 * for `succeeded` by `webhook_deliveries_endpoint` (docs/adr/0034, addendum of 2026-12-05).
 */
export const deliveryLogStatement = (
  endpointId: string,
  options: { limit: number; status?: DeliveryStatus; before?: DeliveryPosition },
): { sql: string; params: unknown[] } => {
  const params: unknown[] = [endpointId, options.limit];
  const where = ['endpoint_id = $1'];
  if (options.status) where.push(`status = ${STATUS_LITERALS[options.status]}`);
  if (options.before) {
    params.push(options.before.createdAt, options.before.id);
    where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  return { sql: `SELECT * FROM ${T} WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $2`, params };
};

const STATUS_LITERALS: Record<DeliveryStatus, string> = {
  pending: `'pending'`,
  held: `'held'`,
  ready: `'ready'`,
  in_flight: `'in_flight'`,
  succeeded: `'succeeded'`,
  failed: `'failed'`,
  cancelled: `'cancelled'`,
};
