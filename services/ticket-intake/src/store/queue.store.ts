import { In, type EntityManager } from 'typeorm';
import type { QueuePosition, QueueView } from '../domain/queue-order';
import { TicketEntity, type TicketRow } from './ticket.entity';
import { INTAKE_SCHEMA } from './ticket.store';

/** Whose tickets a queue read shows: unassigned ones, one staff member's, or all. */
export type QueueAssignee = { kind: 'unassigned' } | { kind: 'staff'; staffId: string } | { kind: 'any' };

export interface QueueRow {
  ticket: TicketRow;
  /** The projected due time of the open clock (sla.*), null until one is known. */
  responseDueAt: Date | null;
  /** The due time the queue orders by: `responseDueAt`, or the level's target until it is known. */
  queueDueAt: Date;
}

interface QueueKeyRow {
  id: string;
  response_due_at: Date | null;
  queue_due_at: Date;
}

const T = `"${INTAKE_SCHEMA}".tickets`;

/** What a batch of sla.* events leaves of a ticket's projected due time (`applyResponseDue`). */
export type ResponseDueProjection =
  | { kind: 'set'; ticketId: string; partnerId: string; clockId: string | null; dueAt: Date | null }
  | { kind: 'clear'; ticketId: string; partnerId: string; clockIds: string[] };

/**
 * P4's order as SQL, over `t`: emergencies first (false sorts before true), the due time of the
 * response owed (`queue_due_at`: the clock's, or the level's target from the time received until
 * one is known; migration 1765000300000), the order received, the id.
 * Kept equal to `compareQueuePositions` (domain/queue-order.ts) by the tests.
 *
 * One index per assignee kind serves both views (`tickets_queue_open_unassigned`/`_assigned`/
 * `_all`, migrations 1765606861000 and 1765606870000): every ticket at work, in the open view's
 * order, which leads with `(NOT response_owed)`. The owed views are that order's first stretch:
 * `OWED` says `response_owed` in the form the planner matches to the indexes' leading column (an
 * index condition, so a page stops where the owed part ends), and for a NOT NULL column means the
 * same. Written as plain `response_owed`, the planner could only filter on it.
 */
const NOT_EMERGENCY = `(t.level <> 'emergency')`;
const QUEUE_ORDER = `${NOT_EMERGENCY}, t.queue_due_at, t.received_at, t.id`;
const AT_WORK = `t.status IN ('new', 'open')`;
const OWED = `(NOT t.response_owed) IS FALSE`;
const IN_QUEUE = `${AT_WORK} AND ${OWED}`;
/** The `open` view: every ticket at work, those owing nothing after the others, each part in P4's order. */
const OPEN_VIEW_ORDER = `(NOT t.response_owed), ${QUEUE_ORDER}`;

const NEXT_UNASSIGNED_SQL = `SELECT t.id, t.partner_id, t.response_due_at, t.queue_due_at FROM ${T} t
  WHERE ${IN_QUEUE} AND t.assignee_id IS NULL ORDER BY ${QUEUE_ORDER} LIMIT 1 FOR UPDATE OF t`;
/** The head of the unassigned queue, locked, skipping heads other transactions hold (see `lockNextUnassigned`). */
export const CLAIM_NEXT_UNASSIGNED_SQL = `${NEXT_UNASSIGNED_SQL} SKIP LOCKED`;

const assigneeCondition = (assignee: QueueAssignee, params: unknown[]): string => {
  switch (assignee.kind) {
    case 'unassigned':
      return 't.assignee_id IS NULL';
    case 'staff':
      params.push(assignee.staffId);
      return `t.assignee_id IS NOT NULL AND t.assignee_id = $${params.length}`;
    case 'any':
      return 'true';
  }
};

const withTickets = async (tx: EntityManager, keys: QueueKeyRow[]): Promise<QueueRow[]> => {
  if (keys.length === 0) return [];
  const rows = await tx.getRepository(TicketEntity).findBy({ id: In(keys.map((k) => k.id)) });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return keys.flatMap((k) => {
    const ticket = byId.get(k.id);
    return ticket ? [{ ticket, responseDueAt: k.response_due_at, queueDueAt: k.queue_due_at }] : [];
  });
};

export const queueStore = {
  /** One page of the queue, after `after` when given (keyset on the queue order). */
  async list(tx: EntityManager, options: { assignee: QueueAssignee; view?: QueueView; after?: QueuePosition; limit: number }): Promise<QueueRow[]> {
    const params: unknown[] = [];
    const open = options.view === 'open';
    const order = open ? OPEN_VIEW_ORDER : QUEUE_ORDER;
    const conditions = [open ? AT_WORK : IN_QUEUE, assigneeCondition(options.assignee, params)];
    if (options.after) {
      const { owesNothing, rank, dueAt, receivedAt, id } = options.after;
      params.push(...(open ? [owesNothing === true] : []), rank === 1, dueAt, receivedAt, id);
      const n = params.length;
      const keys = `$${n - 3}::boolean, $${n - 2}::timestamptz, $${n - 1}::timestamptz, $${n}::uuid`;
      conditions.push(`(${order}) > (${open ? `$${n - 4}::boolean, ` : ''}${keys})`);
    }
    params.push(options.limit);
    const keys = (await tx.query(
      `SELECT t.id, t.response_due_at, t.queue_due_at FROM ${T} t WHERE ${conditions.join(' AND ')} ORDER BY ${order} LIMIT $${params.length}`,
      params,
    )) as QueueKeyRow[];
    return withTickets(tx, keys);
  },

  /**
   * The first unassigned ticket of the queue, row-locked for this transaction. SKIP LOCKED: a
   * ticket another agent's claim holds is passed over instead of waited for, so concurrent claims
   * take distinct tickets. When every unassigned ticket is held (by other claims, or by a short
   * write such as sla-timer's due-time projection), the claim waits for them rather than answer
   * that the queue is empty: PostgreSQL re-checks each row once its holder is done, so a ticket
   * claimed meanwhile no longer matches `assignee_id IS NULL` and the next one is tried.
   */
  async lockNextUnassigned(tx: EntityManager): Promise<{ id: string; partnerId: string; responseDueAt: Date | null; queueDueAt: Date } | null> {
    type Row = { id: string; partner_id: string; response_due_at: Date | null; queue_due_at: Date };
    const [row] = (await tx.query(CLAIM_NEXT_UNASSIGNED_SQL)) as Row[];
    const [held] = row ? [row] : ((await tx.query(NEXT_UNASSIGNED_SQL)) as Row[]);
    return held ? { id: held.id, partnerId: held.partner_id, responseDueAt: held.response_due_at, queueDueAt: held.queue_due_at } : null;
  },

  /**
   * A consumer batch's projections in one statement (docs/adr/0049), at most one per ticket and
   * partner: `set` writes the clock and its due time (a null clock clears whatever is there);
   * `clear` clears the due time if it was projected from one of `clockIds`, or from none.
   */
  async applyResponseDue(tx: EntityManager, projections: readonly ResponseDueProjection[]): Promise<void> {
    const rows = projections.flatMap((p): { kind: string; ticketId: string; partnerId: string; clockId: string | null; dueAt: Date | null }[] =>
      p.kind === 'set' ? [p] : p.clockIds.map((clockId) => ({ kind: p.kind, ticketId: p.ticketId, partnerId: p.partnerId, clockId, dueAt: null })),
    );
    if (rows.length === 0) return;
    // A ticket cleared by two clock ids joins two rows; any one passing the condition clears it.
    await tx.query(
      `UPDATE ${T} t
          SET response_due_at = CASE WHEN p.kind = 'set' THEN p.due_at END,
              response_clock_id = CASE WHEN p.kind = 'set' THEN p.clock_id END
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::timestamptz[]) AS p(ticket_id, partner_id, kind, clock_id, due_at)
        WHERE t.id = p.ticket_id AND t.partner_id = p.partner_id
          AND (p.kind = 'set' OR t.response_clock_id = p.clock_id OR t.response_clock_id IS NULL)`,
      [rows.map((r) => r.ticketId), rows.map((r) => r.partnerId), rows.map((r) => r.kind), rows.map((r) => r.clockId), rows.map((r) => r.dueAt)],
    );
  },
};
