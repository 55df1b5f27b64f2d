import type { EntityManager } from 'typeorm';
import type { EscalationKind } from '@tss/contracts';
import type { Escalation, EscalationStatus } from '../domain/escalation';
import type { TargetRole } from '../domain/escalation-rules';

const COLUMNS = `id, ticket_id, partner_id, kind, level, rule, cause_key, cause_event_id, cause_type, target_role, target_staff_ids, survey_id, quote, summary,
  status, raised_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by, outcome, renotices, last_notified_at, nobody_notified, clock_stopped_at, ticket_sequence`;

interface EscalationRow {
  id: string;
  ticket_id: string;
  partner_id: string;
  kind: EscalationKind;
  level: number | null;
  rule: string;
  cause_key: string;
  cause_event_id: string;
  cause_type: string;
  target_role: TargetRole;
  target_staff_ids: string[];
  survey_id: string | null;
  quote: string | null;
  summary: string;
  status: EscalationStatus;
  raised_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  outcome: string | null;
  renotices: number;
  /** The last notice that reached someone; while none has (`nobody_notified`), the raise's instant (NOT NULL for older releases, docs/adr/0071). */
  last_notified_at: Date;
  nobody_notified: boolean;
  clock_stopped_at: Date | null;
  /** Null for escalations raised before it was kept (migration 1765604200000), and for causes that name no ticket event. */
  ticket_sequence: number | null;
}

const toEscalation = (r: EscalationRow): Escalation => ({
  id: r.id,
  ticketId: r.ticket_id,
  partnerId: r.partner_id,
  kind: r.kind,
  level: r.level === 1 || r.level === 2 ? r.level : null,
  rule: r.rule,
  causeKey: r.cause_key,
  causeEventId: r.cause_event_id,
  causeType: r.cause_type,
  targetRole: r.target_role,
  targetStaffIds: r.target_staff_ids,
  surveyId: r.survey_id,
  quote: r.quote,
  summary: r.summary,
  status: r.status,
  raisedAt: r.raised_at,
  acknowledgedAt: r.acknowledged_at,
  acknowledgedBy: r.acknowledged_by,
  resolvedAt: r.resolved_at,
  resolvedBy: r.resolved_by,
  outcome: r.outcome,
  renotices: r.renotices,
  lastNotifiedAt: r.nobody_notified ? null : r.last_notified_at,
  clockStoppedAt: r.clock_stopped_at,
  ticketSequence: r.ticket_sequence,
});

export interface EscalationFilter {
  /** true: not resolved yet (open or acknowledged); false: resolved. */
  open?: boolean;
  status?: EscalationStatus;
  ticketId?: string;
  level?: 1 | 2;
  targetRole?: TargetRole;
  /** Escalations sent to this staff member. */
  targetStaffId?: string;
  kind?: EscalationKind;
  /** Keyset paging: strictly after this (raisedAt DESC, id DESC) position. */
  after?: { raisedAt: Date; id: string };
  limit: number;
}

export const escalationStore = {
  /** Inserts it unless its (rule, cause) already raised one: false then (a duplicate cause). */
  async insertOnce(tx: EntityManager, e: Escalation): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO escalation.escalations (${COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)
       ON CONFLICT ON CONSTRAINT escalations_one_per_cause DO NOTHING RETURNING id`,
      [
        e.id, e.ticketId, e.partnerId, e.kind, e.level, e.rule, e.causeKey, e.causeEventId, e.causeType, e.targetRole, e.targetStaffIds, e.surveyId, e.quote, e.summary,
        e.status, e.raisedAt, e.acknowledgedAt, e.acknowledgedBy, e.resolvedAt, e.resolvedBy, e.outcome, e.renotices, e.lastNotifiedAt ?? e.raisedAt, e.lastNotifiedAt === null, e.clockStoppedAt,
        e.ticketSequence,
      ],
    );
    return rows.length === 1;
  },

  async find(tx: EntityManager, id: string): Promise<Escalation | undefined> {
    const rows: EscalationRow[] = await tx.query(`SELECT ${COLUMNS} FROM escalation.escalations WHERE id = $1`, [id]);
    return rows[0] && toEscalation(rows[0]);
  },

  /** Row-locked for a change (acknowledge, resolve, re-notice): one at a time per escalation. */
  async lockForChange(tx: EntityManager, id: string): Promise<Escalation | undefined> {
    const rows: EscalationRow[] = await tx.query(`SELECT ${COLUMNS} FROM escalation.escalations WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] && toEscalation(rows[0]);
  },

  async update(tx: EntityManager, e: Escalation): Promise<void> {
    await tx.query(
      `UPDATE escalation.escalations SET status = $2, acknowledged_at = $3, acknowledged_by = $4, resolved_at = $5, resolved_by = $6, outcome = $7,
         renotices = $8, last_notified_at = COALESCE($9, last_notified_at), nobody_notified = $9::timestamptz IS NULL, target_staff_ids = $10, clock_stopped_at = $11 WHERE id = $1`,
      [e.id, e.status, e.acknowledgedAt, e.acknowledgedBy, e.resolvedAt, e.resolvedBy, e.outcome, e.renotices, e.lastNotifiedAt, e.targetStaffIds, e.clockStoppedAt],
    );
  },

  /** The ticket's escalations nobody acknowledged yet (their re-notices stop when it is resolved or closed). */
  async openOfTicket(tx: EntityManager, ticketId: string): Promise<Escalation[]> {
    const rows: EscalationRow[] = await tx.query(`SELECT ${COLUMNS} FROM escalation.escalations WHERE ticket_id = $1 AND status = 'open'`, [ticketId]);
    return rows.map(toEscalation);
  },

  /**
   * Row-locked: the ticket's escalations raised for one response clock whose stop is not recorded
   * yet (the ticket's index finds them; the cause key names the clock).
   */
  async lockOfClock(tx: EntityManager, ticketId: string, clockId: string, causeTypes: readonly string[]): Promise<Escalation[]> {
    const rows: EscalationRow[] = await tx.query(
      `SELECT ${COLUMNS} FROM escalation.escalations
        WHERE ticket_id = $1 AND cause_key = $2 AND cause_type = ANY($3::text[]) AND clock_stopped_at IS NULL
        ORDER BY id FOR UPDATE`,
      [ticketId, `clock:${clockId}`, causeTypes],
    );
    return rows.map(toEscalation);
  },

  /** Row-locked: the ticket's unresolved escalations raised by one survey's rating (`rating.submitted`). */
  async lockUnresolvedOfSurvey(tx: EntityManager, ticketId: string, surveyId: string): Promise<Escalation[]> {
    const rows: EscalationRow[] = await tx.query(
      `SELECT ${COLUMNS} FROM escalation.escalations
        WHERE ticket_id = $1 AND survey_id = $2 AND cause_type = 'rating.submitted' AND status <> 'resolved'
        ORDER BY id FOR UPDATE`,
      [ticketId, surveyId],
    );
    return rows.map(toEscalation);
  },

  /** Row-locked: the ticket's escalations of one response clock raised by these event types and not resolved yet. */
  async lockUnresolvedOfClock(tx: EntityManager, ticketId: string, clockId: string, causeTypes: readonly string[]): Promise<Escalation[]> {
    const rows: EscalationRow[] = await tx.query(
      `SELECT ${COLUMNS} FROM escalation.escalations
        WHERE ticket_id = $1 AND cause_key = $2 AND cause_type = ANY($3::text[]) AND status <> 'resolved'
        ORDER BY id FOR UPDATE`,
      [ticketId, `clock:${clockId}`, causeTypes],
    );
    return rows.map(toEscalation);
  },

  /** Whether the ticket has an escalation of this cause key raised by one of these event types (any rule, any status). */
  async existsOfCause(tx: EntityManager, ticketId: string, causeKey: string, causeTypes: readonly string[]): Promise<boolean> {
    const rows: unknown[] = await tx.query(`SELECT 1 FROM escalation.escalations WHERE ticket_id = $1 AND cause_key = $2 AND cause_type = ANY($3::text[]) LIMIT 1`, [
      ticketId,
      causeKey,
      causeTypes,
    ]);
    return rows.length > 0;
  },

  async list(tx: EntityManager, f: EscalationFilter): Promise<Escalation[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (n: number) => string, value: unknown) => {
      params.push(value);
      where.push(sql(params.length));
    };
    if (f.open === true) where.push(`status <> 'resolved'`);
    if (f.open === false) where.push(`status = 'resolved'`);
    if (f.status) add((n) => `status = $${n}`, f.status);
    if (f.ticketId) add((n) => `ticket_id = $${n}`, f.ticketId);
    if (f.level) add((n) => `level = $${n}`, f.level);
    if (f.targetRole) add((n) => `target_role = $${n}`, f.targetRole);
    if (f.targetStaffId) add((n) => `$${n} = ANY(target_staff_ids)`, f.targetStaffId);
    if (f.kind) add((n) => `kind = $${n}`, f.kind);
    if (f.after) {
      params.push(f.after.raisedAt, f.after.id);
      where.push(`(raised_at, id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(f.limit);
    const rows: EscalationRow[] = await tx.query(
      `SELECT ${COLUMNS} FROM escalation.escalations ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY raised_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toEscalation);
  },
};
