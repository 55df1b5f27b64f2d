import type { EntityManager } from 'typeorm';
import type { ServiceLevel } from '@tss/contracts';
import type { ClaimLock } from '@tss/timers';
import type { ClockOwner, ClockStart, ClockStatus, ResponseClock } from '../domain/response-clock';

export const SLA_SCHEMA = 'sla_timer';
const T = `"${SLA_SCHEMA}".response_clocks`;

/** A clock as stored, with its ticket's tenancy and product (from `ticket.created`). */
export interface StoredClock {
  clock: ResponseClock;
  ticketId: string;
  partnerId: string;
  requesterId: string | null;
  product: string | null;
  /**
   * The ticket event that started or last re-targeted the clock, which its events follow
   * (`ticketSequence`, docs/adr/0066, addendum of 2026-12-05); null for clocks started before it was kept.
   */
  ticketSequence: number | null;
}

interface ClockRow {
  id: string;
  ticket_id: string;
  partner_id: string;
  requester_id: string | null;
  product: string | null;
  level: ServiceLevel;
  owed_by: ClockOwner;
  started_by: ClockStart;
  status: ClockStatus;
  started_at: Date;
  target_ms: string;
  counts_business_time: boolean;
  due_at: Date;
  warnings: { threshold: number; at: string }[];
  overdue_at: Date;
  policy_scope: string;
  policy_version: number;
  warnings_published: number[];
  warnings_skipped: number[];
  breach_published_at: Date | null;
  breached_at: Date | null;
  breached_level: ServiceLevel | null;
  overdue_published_at: Date | null;
  stopped_at: Date | null;
  stop_reason: string | null;
  responded_at: Date | null;
  ticket_sequence: number | null;
}

const optional = (at: Date | null): Date | undefined => at ?? undefined;

const toStored = (row: ClockRow): StoredClock => ({
  ticketId: row.ticket_id,
  partnerId: row.partner_id,
  requesterId: row.requester_id,
  product: row.product,
  ticketSequence: row.ticket_sequence ?? null,
  clock: {
    id: row.id,
    level: row.level,
    owedBy: row.owed_by,
    startedBy: row.started_by,
    status: row.status,
    startedAt: row.started_at,
    targetMs: Number(row.target_ms),
    countsBusinessTime: row.counts_business_time,
    dueAt: row.due_at,
    warnings: row.warnings.map((w) => ({ threshold: w.threshold, at: new Date(w.at) })),
    overdueAt: row.overdue_at,
    policy: { scope: row.policy_scope, version: row.policy_version },
    warningsPublished: row.warnings_published,
    warningsSkipped: row.warnings_skipped,
    breachPublishedAt: optional(row.breach_published_at),
    breachedAt: optional(row.breached_at),
    breachedLevel: row.breached_level ?? undefined,
    overduePublishedAt: optional(row.overdue_published_at),
    stoppedAt: optional(row.stopped_at),
    stopReason: row.stop_reason ?? undefined,
    respondedAt: optional(row.responded_at),
  },
});

const TIMESTAMP_COLUMNS = ['started_at', 'due_at', 'overdue_at', 'breach_published_at', 'breached_at', 'overdue_published_at', 'stopped_at', 'responded_at'] as const;

/** A row as `row_to_json` gives it (timestamps as text, bigint as a number) in the driver's types. */
const fromJson = (json: Record<string, unknown>): ClockRow => {
  const row: Record<string, unknown> = { ...json, target_ms: String(json.target_ms) };
  for (const column of TIMESTAMP_COLUMNS) row[column] = typeof json[column] === 'string' ? new Date(json[column]) : null;
  return row as unknown as ClockRow;
};

/** Clocks a fired batch's claim locked, by transaction, until `lockMany` takes them (docs/adr/0054). */
const lockedByClaim = new WeakMap<EntityManager, Map<string, StoredClock>>();

/**
 * The clocks of the timers a batch claims (`kinds`, a clock id in each payload), locked in id order
 * in the claim's own statement, as `lockMany` would lock them right after it (docs/adr/0054).
 */
export const clockClaimLock = (kinds: readonly string[]): ClaimLock => {
  for (const kind of kinds) if (!/^[a-z.]+$/.test(kind)) throw new Error(`not a timer kind: ${kind}`);
  return {
    sql: (fired) => `SELECT row_to_json(c) AS row FROM ${T} c
       WHERE c.id IN (SELECT (f.payload->>'clockId')::uuid FROM ${fired} f WHERE f.kind IN (${kinds.map((kind) => `'${kind}'`).join(', ')}))
       ORDER BY c.id FOR UPDATE OF c`,
    took: (tx, rows) => {
      const stored = rows.map((json) => toStored(fromJson(json as Record<string, unknown>)));
      lockedByClaim.set(tx, new Map(stored.map((clock) => [clock.clock.id, clock])));
    },
  };
};

/** A clock's warnings as the `warnings` column stores them. */
export const warningsJson = (clock: ResponseClock) => JSON.stringify(clock.warnings.map((w) => ({ threshold: w.threshold, at: w.at.toISOString() })));

/** Plain SQL: these run once per ticket event and per fired timer. */
export const responseClockStore = {
  /** `ticketSequence`: the ticket event that started the clock. */
  async insert(
    tx: EntityManager,
    owner: { ticketId: string; partnerId: string; requesterId: string | null; product: string | null },
    clock: ResponseClock,
    now: Date,
    ticketSequence: number,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO ${T} (id, ticket_id, partner_id, requester_id, product, level, owed_by, started_by, status, started_at, target_ms, due_at,
                         warnings, overdue_at, policy_scope, policy_version, warnings_published, created_at, counts_business_time, ticket_sequence, warnings_skipped)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
      [
        clock.id, owner.ticketId, owner.partnerId, owner.requesterId, owner.product, clock.level, clock.owedBy, clock.startedBy, clock.status,
        clock.startedAt, clock.targetMs, clock.dueAt, warningsJson(clock), clock.overdueAt, clock.policy.scope, clock.policy.version,
        JSON.stringify(clock.warningsPublished), now, clock.countsBusinessTime, ticketSequence, JSON.stringify(clock.warningsSkipped),
      ],
    );
  },

  /**
   * Writes what a transition changed (level, schedule, status, what was published, the end).
   * `retargetedBy`: the ticket event that re-targeted the clock, which its later events follow.
   */
  async update(tx: EntityManager, clock: ResponseClock, retargetedBy?: number): Promise<void> {
    await tx.query(
      `UPDATE ${T} SET level = $2, owed_by = $3, status = $4, target_ms = $5, due_at = $6, warnings = $7, overdue_at = $8,
              warnings_published = $9, breach_published_at = $10, overdue_published_at = $11, stopped_at = $12, stop_reason = $13, responded_at = $14,
              breached_at = $15, counts_business_time = $16, breached_level = $17, ticket_sequence = COALESCE($18::integer, ticket_sequence),
              warnings_skipped = $19
        WHERE id = $1`,
      [
        clock.id, clock.level, clock.owedBy, clock.status, clock.targetMs, clock.dueAt, warningsJson(clock), clock.overdueAt,
        JSON.stringify(clock.warningsPublished), clock.breachPublishedAt ?? null, clock.overduePublishedAt ?? null, clock.stoppedAt ?? null,
        clock.stopReason ?? null, clock.respondedAt ?? null, clock.breachedAt ?? null, clock.countsBusinessTime, clock.breachedLevel ?? null,
        retargetedBy ?? null,
        JSON.stringify(clock.warningsSkipped),
      ],
    );
  },

  /** The ticket's open clock, unlocked: to lock its timers first (see `lockClockTimers`). */
  async findOpenForTicket(tx: EntityManager, ticketId: string): Promise<StoredClock | undefined> {
    const rows = (await tx.query(`SELECT * FROM ${T} WHERE ticket_id = $1 AND stopped_at IS NULL`, [ticketId])) as ClockRow[];
    return rows[0] ? toStored(rows[0]) : undefined;
  },

  /**
   * Row-locks a clock's timers, in id order, before the clock itself: a timer firing holds its
   * timer row, then locks the clock, so a ticket event taking them in the same order waits for it
   * instead of deadlocking with it (docs/adr/0030). A firing that committed while this waited may
   * have scheduled the clock's next timer, which the waiting statement did not see: lock again
   * until every timer of the clock that exists is held (no new one can appear once all are).
   */
  async lockClockTimers(tx: EntityManager, timerIds: readonly string[]): Promise<void> {
    if (timerIds.length === 0) return;
    for (;;) {
      const locked = (await tx.query(`SELECT id FROM "${SLA_SCHEMA}".timers WHERE id = ANY($1) ORDER BY id FOR UPDATE`, [timerIds])) as { id: string }[];
      const present = (await tx.query(`SELECT id FROM "${SLA_SCHEMA}".timers WHERE id = ANY($1)`, [timerIds])) as { id: string }[];
      const held = new Set(locked.map((r) => r.id));
      if (present.every((r) => held.has(r.id))) return;
    }
  },

  /** The ticket's open clock, row-locked: a timer firing on it waits for this transaction. */
  async lockOpenForTicket(tx: EntityManager, ticketId: string): Promise<StoredClock | undefined> {
    const rows = (await tx.query(`SELECT * FROM ${T} WHERE ticket_id = $1 AND stopped_at IS NULL FOR UPDATE`, [ticketId])) as ClockRow[];
    return rows[0] ? toStored(rows[0]) : undefined;
  },

  async lock(tx: EntityManager, clockId: string): Promise<StoredClock | undefined> {
    const rows = (await tx.query(`SELECT * FROM ${T} WHERE id = $1 FOR UPDATE`, [clockId])) as ClockRow[];
    return rows[0] ? toStored(rows[0]) : undefined;
  },

  /**
   * Row-locks the clocks of a fired batch, in id order, in one statement. A batch holds its timer
   * rows first (one pending timer per clock, so no other batch holds a timer of these clocks) and
   * then these clocks, the order a ticket event uses too (docs/adr/0030). The clocks the batch's
   * claim already locked (`clockClaimLock`) cost no statement.
   */
  async lockMany(tx: EntityManager, clockIds: readonly string[]): Promise<Map<string, StoredClock>> {
    if (clockIds.length === 0) return new Map();
    // Those the claim locked come as it read them, once: a later read in this transaction must see its own writes.
    const claimed = lockedByClaim.get(tx);
    lockedByClaim.delete(tx);
    const locked = new Map<string, StoredClock>();
    const missing: string[] = [];
    for (const id of new Set(clockIds)) {
      const clock = claimed?.get(id);
      if (clock) locked.set(id, clock);
      else missing.push(id);
    }
    if (missing.length === 0) return locked;
    const rows = (await tx.query(`SELECT * FROM ${T} WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [missing])) as ClockRow[];
    for (const row of rows) locked.set(row.id, toStored(row));
    return locked;
  },

  /**
   * What firing timers changed on many clocks (status, what was published) and, in the same
   * statement, what goes with it: `also`, statements numbered from `$2` on (`Outbox.addAllStatement`,
   * `TimerStore.scheduleAllStatement`), each a data-modifying `WITH` but the last, which ends the
   * statement. One round trip for the batch's writes (docs/adr/0041, 0051). The changes go as one
   * JSON document (node-postgres escapes each element of an array parameter in JavaScript).
   * `c.id = ANY(...)` gives the planner an index condition on the clocks: joined to the document
   * alone it may hash-join a scan of every clock for a batch of a hundred.
   */
  async recordFirings(tx: EntityManager, clocks: readonly ResponseClock[], also: readonly { sql: string; params: unknown[] }[]): Promise<void> {
    if (clocks.length === 0) return;
    const last = also.at(-1);
    if (!last) throw new Error('recordFirings needs the statement that ends it');
    const withs = also.slice(0, -1).map((statement, i) => `, also_${i} AS (${statement.sql})`).join('');
    await tx.query(
      `WITH u AS (
         SELECT * FROM json_to_recordset($1::json)
             AS u(id uuid, status text, warnings_published jsonb, warnings_skipped jsonb, breach_published_at timestamptz, breached_at timestamptz, breached_level text,
                  overdue_published_at timestamptz)),
       fired AS (
         UPDATE ${T} c SET status = u.status, warnings_published = u.warnings_published, warnings_skipped = u.warnings_skipped, breach_published_at = u.breach_published_at,
                breached_at = u.breached_at, breached_level = u.breached_level, overdue_published_at = u.overdue_published_at
           FROM u
          WHERE c.id = u.id AND c.id = ANY(ARRAY(SELECT id FROM u))
         RETURNING c.id)${withs}
       ${last.sql}`,
      [
        JSON.stringify(
          clocks.map((c) => ({
            id: c.id,
            status: c.status,
            warnings_published: c.warningsPublished,
            warnings_skipped: c.warningsSkipped,
            breach_published_at: c.breachPublishedAt?.toISOString() ?? null,
            breached_at: c.breachedAt?.toISOString() ?? null,
            breached_level: c.breachedLevel ?? null,
            overdue_published_at: c.overduePublishedAt?.toISOString() ?? null,
          })),
        ),
        ...also.flatMap((statement) => statement.params),
      ],
    );
  },

  /** A ticket's clocks, within one partner and, for a requester, within that requester's tickets; staff see all. */
  async listForTicket(tx: EntityManager, tenant: { partnerId?: string; requesterId?: string }, ticketId: string): Promise<StoredClock[]> {
    const params: unknown[] = [ticketId];
    let where = 'ticket_id = $1';
    if (tenant.partnerId !== undefined) where += ` AND partner_id = $${params.push(tenant.partnerId)}`;
    if (tenant.requesterId !== undefined) where += ` AND requester_id = $${params.push(tenant.requesterId)}`;
    const rows = (await tx.query(`SELECT * FROM ${T} WHERE ${where} ORDER BY started_at, created_at`, params)) as ClockRow[];
    return rows.map(toStored);
  },
};
