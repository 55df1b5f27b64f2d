import type { EntityManager } from 'typeorm';
import type { ServiceLevel } from '@tss/contracts';
import type { BatchFlush, BatchWrites } from '@tss/messaging';

/** What escalation knows of a ticket: its partner (tenancy), level and status (to stop escalating a finished one). */
export interface TicketFacts {
  ticketId: string;
  partnerId: string;
  reference: string | null;
  level: ServiceLevel;
  status: string;
}

export interface StaffFacts {
  staffId: string;
  roles: string[];
  displayName: string | null;
  email: string | null;
  active: boolean;
}

interface TicketRow {
  ticket_id: string;
  partner_id: string;
  reference: string | null;
  level: ServiceLevel;
  status: string;
}

export const ticketProjection = {
  /**
   * `ticket.created` of several tickets in one statement. A row a later event made first (the
   * creation older than this service) takes the creation's reference and partner. A ticket twice
   * here ends as the two statements one after the other would leave it: the first's level and
   * status, the last's reference and partner.
   */
  async createdAll(tx: EntityManager, tickets: readonly (TicketFacts & { at: Date })[]): Promise<void> {
    const byId = new Map<string, TicketFacts & { at: Date }>();
    for (const t of tickets) {
      const first = byId.get(t.ticketId);
      byId.set(t.ticketId, first ? { ...first, partnerId: t.partnerId, reference: t.reference } : t);
    }
    const rows = [...byId.values()];
    if (rows.length === 0) return;
    await tx.query(
      `INSERT INTO escalation.tickets (ticket_id, partner_id, reference, level, status, updated_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
       ON CONFLICT (ticket_id) DO UPDATE SET reference = EXCLUDED.reference, partner_id = EXCLUDED.partner_id`,
      [rows.map((t) => t.ticketId), rows.map((t) => t.partnerId), rows.map((t) => t.reference), rows.map((t) => t.level), rows.map((t) => t.status), rows.map((t) => t.at)],
    );
  },

  /** A later event of a ticket whose `ticket.created` this service never saw (older than the service) creates the row. */
  async changed(tx: EntityManager, ticketId: string, partnerId: string, change: { level?: ServiceLevel; status?: string }, at: Date): Promise<void> {
    await tx.query(
      `INSERT INTO escalation.tickets (ticket_id, partner_id, reference, level, status, updated_at) VALUES ($1, $2, NULL, COALESCE($3, 'standard'), COALESCE($4, 'open'), $5)
       ON CONFLICT (ticket_id) DO UPDATE SET level = COALESCE($3, escalation.tickets.level), status = COALESCE($4, escalation.tickets.status), updated_at = $5`,
      [ticketId, partnerId, change.level ?? null, change.status ?? null, at],
    );
  },

  /** The ticket of a reference (P3, normalised by `parseReference`); its index: 1765603010000. */
  async idByReference(tx: EntityManager, reference: string): Promise<string | undefined> {
    const rows: { ticket_id: string }[] = await tx.query(`SELECT ticket_id FROM escalation.tickets WHERE reference = $1`, [reference]);
    return rows[0]?.ticket_id;
  },

  async find(tx: EntityManager, ticketId: string): Promise<TicketFacts | undefined> {
    const rows: TicketRow[] = await tx.query(`SELECT ticket_id, partner_id, reference, level, status FROM escalation.tickets WHERE ticket_id = $1`, [ticketId]);
    const r = rows[0];
    return r && { ticketId: r.ticket_id, partnerId: r.partner_id, reference: r.reference, level: r.level, status: r.status };
  },
};

/**
 * The ticket rows a consumer batch's `ticket.created` events defer to its end, in one statement
 * (docs/adr/0049). Whatever reads or changes a ticket row in the batch first calls
 * `writeCreatedTicketsNow`: the read-through.
 */
export const writeCreatedTickets: BatchFlush<TicketFacts & { at: Date }> = (tickets, { tx }) => ticketProjection.createdAll(tx, tickets);

/** Writes the batch's deferred ticket rows before a read or change of one (nothing when none is deferred). */
export const writeCreatedTicketsNow = (batch: BatchWrites): Promise<void> => batch.writeNow(writeCreatedTickets);

export const staffProjection = {
  async upsert(tx: EntityManager, s: StaffFacts, changedAt: Date): Promise<void> {
    // Events of one staff member may arrive out of order across restarts: the newest change wins.
    await tx.query(
      `INSERT INTO escalation.staff (staff_id, roles, display_name, email, active, changed_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (staff_id) DO UPDATE SET roles = EXCLUDED.roles, display_name = EXCLUDED.display_name, email = EXCLUDED.email, active = EXCLUDED.active, changed_at = EXCLUDED.changed_at
       WHERE escalation.staff.changed_at <= EXCLUDED.changed_at`,
      [s.staffId, s.roles, s.displayName, s.email, s.active, changedAt],
    );
  },

  async activeIds(tx: EntityManager, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { staff_id: string }[] = await tx.query(`SELECT staff_id FROM escalation.staff WHERE staff_id = ANY($1::text[]) AND active`, [[...new Set(ids)]]);
    return new Set(rows.map((r) => r.staff_id));
  },

  /** The active staff holding a staff role (a department: developers, quality), in id order. */
  async activeWithRole(tx: EntityManager, role: string): Promise<string[]> {
    const rows: { staff_id: string }[] = await tx.query(`SELECT staff_id FROM escalation.staff WHERE active AND $1 = ANY(roles) ORDER BY staff_id`, [role]);
    return rows.map((r) => r.staff_id);
  },

  async byIds(tx: EntityManager, ids: readonly string[]): Promise<Map<string, StaffFacts>> {
    if (ids.length === 0) return new Map();
    const rows: { staff_id: string; roles: string[]; display_name: string | null; email: string | null; active: boolean }[] = await tx.query(
      `SELECT staff_id, roles, display_name, email, active FROM escalation.staff WHERE staff_id = ANY($1::text[])`,
      [[...new Set(ids)]],
    );
    return new Map(rows.map((r) => [r.staff_id, { staffId: r.staff_id, roles: r.roles, displayName: r.display_name, email: r.email, active: r.active }]));
  },
};
