import type { EntityManager } from 'typeorm';
import { prepared } from '@tss/persistence';
import type { WebhookEndpoint } from '../domain/webhook-endpoint';
import type { ReplaySelection } from '../domain/webhook-replay';
import { toEndpoint, type EndpointRow } from './webhook-endpoint.store';

/** Every event webhooks may carry, kept so `replay` can re-send a range (docs/adr/0034-webhooks.md). */
export interface WebhookEventRecord {
  id: string;
  type: string;
  partnerId: string | undefined;
  subject: string;
  sequence: number | undefined;
  occurredAt: Date;
  body: string;
}

export const webhookEventStore = {
  /** False when the event was recorded before (an inbox replay never gets this far, but a V1/V2 pair might). */
  async insert(tx: EntityManager, e: WebhookEventRecord, now: Date): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO notification.webhook_events (id, type, partner_id, subject, sequence, occurred_at, body, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [e.id, e.type, e.partnerId ?? null, e.subject, e.sequence ?? null, e.occurredAt, e.body, now],
    );
    return rows.length > 0;
  },

  /**
   * A consumer batch's events in one statement (docs/adr/0049), with the enabled endpoints that
   * may receive any of their partners (staff endpoints included). Returns the ids recorded now
   * (an id recorded before is left as it was) and those endpoints; the caller matches them per event.
   */
  async insertAllReturningReceivers(tx: EntityManager, events: readonly WebhookEventRecord[], now: Date): Promise<{ recorded: Set<string>; receivers: WebhookEndpoint[] }> {
    if (events.length === 0) return { recorded: new Set(), receivers: [] };
    const partnerIds = [...new Set(events.flatMap((e) => (e.partnerId === undefined ? [] : [e.partnerId])))];
    const rows: (Partial<EndpointRow> & { recorded: string[] })[] = await tx.query(
      prepared(`WITH recorded AS (
         INSERT INTO notification.webhook_events (id, type, partner_id, subject, sequence, occurred_at, body, received_at)
         SELECT e.id, e.type, e.partner_id, e.subject, e.sequence, e.occurred_at, e.body, $8
           FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::int[], $6::timestamptz[], $7::text[])
                WITH ORDINALITY AS e(id, type, partner_id, subject, sequence, occurred_at, body, n)
          ORDER BY e.n
         ON CONFLICT (id) DO NOTHING RETURNING id
       )
       SELECT ARRAY(SELECT id FROM recorded) AS recorded, e.*
         FROM (VALUES (1)) AS one(n) LEFT JOIN notification.webhook_endpoints e
           ON e.status = 'enabled' AND (e.partner_id IS NULL AND e.owner_kind = 'staff' OR e.partner_id = ANY($9::uuid[]))
        ORDER BY e.id`),
      [
        events.map((e) => e.id),
        events.map((e) => e.type),
        events.map((e) => e.partnerId ?? null),
        events.map((e) => e.subject),
        events.map((e) => e.sequence ?? null),
        events.map((e) => e.occurredAt),
        events.map((e) => e.body),
        now,
        partnerIds,
      ],
    );
    return {
      recorded: new Set((rows[0]?.recorded ?? []).map(String)),
      receivers: rows.filter((r): r is EndpointRow & { recorded: string[] } => typeof r.id === 'string').map(toEndpoint),
    };
  },

  /**
   * The events a replay sends, in the order it queues them (oldest first, each ticket's in its
   * order): those of the query's range the selection takes (its partner, its filters, no
   * staff-only one for a partner's endpoint), filtered here so a bound counts only those
   * (docs/adr/0034, addendum of 2026-12-05); after `after`, the last of a previous batch.
   */
  async matching(tx: EntityManager, query: ReplayQuery, limit: number, after?: ReplayPosition): Promise<ReplayEvent[]> {
    const { sql, params } = matchingStatement(query, limit, after);
    const rows: (Omit<ReplayEvent, 'position'> & { position_at: string; position_sequence: number })[] = await tx.query(sql, params);
    return rows.map(({ position_at, position_sequence, ...e }) => ({ ...e, position: { at: position_at, subject: e.subject, sequence: position_sequence, id: e.id } }));
  },

  /** When the matching event `offset` places after the first one occurred (the first is 0), if there is one. */
  async matchingAt(tx: EntityManager, query: ReplayQuery, offset: number): Promise<Date | undefined> {
    const { params, param } = parameters();
    const where = conditionsOf(query, param);
    const rows: { occurred_at: Date }[] = await tx.query(
      `SELECT e.occurred_at FROM notification.webhook_events e WHERE ${where} ORDER BY ${ORDER} OFFSET ${param(offset)} LIMIT 1`,
      params,
    );
    return rows[0]?.occurred_at;
  },

  /** How many events match, counting up to `cap` (a replay of a huge range is refused: no need to read it all to say so). */
  async countMatching(tx: EntityManager, query: ReplayQuery, cap: number): Promise<number> {
    const { params, param } = parameters();
    const where = conditionsOf(query, param);
    const rows: { n: number }[] = await tx.query(`SELECT count(*)::int AS n FROM (SELECT 1 FROM notification.webhook_events e WHERE ${where} LIMIT ${param(cap)}) AS m`, params);
    return rows[0].n;
  },

  /**
   * For an `sla.*` event waiting for the ticket event it follows (docs/adr/0066, addendum of
   * 2026-12-05), in one statement: whether that ticket event, or a later one of the ticket (one
   * key's events are consumed in order), is recorded, i.e. its deliveries are queued; and whether
   * any enabled endpoint may receive the partner's events at all (none: nothing to order, no wait).
   */
  async ticketEventRecorded(tx: EntityManager, subject: string, sequence: number, partnerId: string | undefined): Promise<{ recorded: boolean; anyReceiver: boolean }> {
    const [row] = (await tx.query(
      prepared(`SELECT EXISTS (SELECT 1 FROM notification.webhook_events WHERE subject = $1 AND sequence >= $2) AS recorded,
              EXISTS (SELECT 1 FROM notification.webhook_endpoints e
                       WHERE e.status = 'enabled' AND (e.partner_id IS NULL AND e.owner_kind = 'staff' OR e.partner_id = $3::uuid)) AS "anyReceiver"`),
      [subject, sequence, partnerId ?? null],
    )) as { recorded: boolean; anyReceiver: boolean }[];
    return row;
  },

  /**
   * For an escalation event waiting for the event that raised or resolved it (docs/adr/0066, addendum
   * of 2026-12-05, third session), in one statement: whether that event is recorded (a probe of the
   * primary key), i.e. its deliveries are queued; and whether any enabled endpoint may receive the
   * waiting event (`partnerId` undefined: staff endpoints only, as for a staff-only event).
   */
  async eventRecorded(tx: EntityManager, eventId: string, partnerId: string | undefined): Promise<{ recorded: boolean; anyReceiver: boolean }> {
    const [row] = (await tx.query(
      prepared(`SELECT EXISTS (SELECT 1 FROM notification.webhook_events WHERE id = $1) AS recorded,
              EXISTS (SELECT 1 FROM notification.webhook_endpoints e
                       WHERE e.status = 'enabled' AND (e.partner_id IS NULL AND e.owner_kind = 'staff' OR e.partner_id = $2::uuid)) AS "anyReceiver"`),
      [eventId, partnerId ?? null],
    )) as { recorded: boolean; anyReceiver: boolean }[];
    return row;
  },
};

/** Which events a replay reads: `since` (inclusive) to `until` (exclusive), recorded by `recordedBy`. */
export interface ReplayQuery {
  selection: ReplaySelection;
  since: Date;
  until?: Date;
  /**
   * Only events recorded by then (the replay's start): a replay in several transactions does not
   * chase the events recorded meanwhile, which live matching queues anyway.
   */
  recordedBy: Date;
}

/** Where an event is in a replay's order, to read the next batch after it. */
export interface ReplayPosition {
  /** occurred_at as PostgreSQL writes it, so it is read back to the microsecond. */
  at: string;
  subject: string;
  sequence: number;
  id: string;
}

export interface ReplayEvent {
  id: string;
  type: string;
  subject: string;
  body: string;
  position: ReplayPosition;
}

/** Adds a parameter, returning its placeholder. */
type Param = (value: unknown) => string;

/**
 * Types equal to one of `types` or starting with one of `prefixes`. `COLLATE "C"` on both sides, so
 * webhook_events_by_type (built `COLLATE "C"`) answers both whatever the database's collation: a
 * prefix `ticket.` is the byte range [`ticket.`, `ticket/`) in C order (a prefix ends in `.`, and
 * `/` is the byte after it), which a B-tree reads as a range; `LIKE` and `starts_with` are
 * index ranges only in a C database.
 */
const typeIn = (types: readonly string[], prefixes: readonly string[], param: Param): string | undefined => {
  const arms = [
    ...(types.length > 0 ? [`e.type COLLATE "C" = ANY(${param([...types])}::text[])`] : []),
    ...prefixes.map((prefix) => `(e.type COLLATE "C" >= ${param(prefix)} AND e.type COLLATE "C" < ${param(upperBoundOf(prefix))})`),
  ];
  return arms.length > 0 ? `(${arms.join(' OR ')})` : undefined;
};

/** The least string above every string starting with `prefix` (its last character, one up). */
const upperBoundOf = (prefix: string): string => `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}`;

/** No sequence sorts last (`sequence NULLS LAST`), as a value a row comparison can take. */
const SEQUENCE = 'coalesce(e.sequence, 2147483647)';
/** A replay's order: by time, a ticket's events of one instant by their sequence. */
const ORDER = `e.occurred_at, e.subject, ${SEQUENCE}, e.id`;

const conditionsOf = (query: ReplayQuery, param: Param): string => {
  const { selection } = query;
  const conditions = [`e.occurred_at >= ${param(query.since)}`, `e.received_at <= ${param(query.recordedBy)}`];
  if (query.until) conditions.push(`e.occurred_at < ${param(query.until)}`);
  if (selection.partnerId !== null) conditions.push(`e.partner_id = ${param(selection.partnerId)}::uuid`);
  if (!selection.everyType) conditions.push(typeIn(selection.exactTypes, selection.typePrefixes, param) ?? 'false');
  const excluded = typeIn(selection.excludedTypes, selection.excludedPrefixes, param);
  if (excluded) conditions.push(`NOT ${excluded}`);
  return conditions.join(' AND ');
};

const parameters = (): { params: unknown[]; param: Param } => {
  const params: unknown[] = [];
  return { params, param: (value) => (params.push(value), `$${params.length}`) };
};

/** The replay's statement, apart so a test can EXPLAIN exactly what runs. */
export const matchingStatement = (query: ReplayQuery, limit: number, after?: ReplayPosition): { sql: string; params: unknown[] } => {
  const { params, param } = parameters();
  const where = conditionsOf(query, param);
  // occurred_at alone too: an index of it reads from there.
  const next = after
    ? ` AND e.occurred_at >= ${param(after.at)}::timestamptz AND (${ORDER}) > (${param(after.at)}::timestamptz, ${param(after.subject)}::text, ${param(after.sequence)}::int, ${param(after.id)}::text)`
    : '';
  return {
    sql: `SELECT e.id, e.type, e.subject, e.body, e.occurred_at::text AS position_at, ${SEQUENCE} AS position_sequence
            FROM notification.webhook_events e
           WHERE ${where}${next}
           ORDER BY ${ORDER} LIMIT ${param(limit)}`,
    params,
  };
};
