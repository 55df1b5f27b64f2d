import type { EntityManager } from 'typeorm';
import type { ReferralTarget } from '@tss/contracts';
import type { Referral, ReferralStatus, ReferralTicket } from '../domain/referral';

interface ReferralRow {
  id: string;
  ticket_id: string;
  partner_id: string;
  target: ReferralTarget;
  reason: string;
  status: ReferralStatus;
  requested_by: string;
  requested_at: Date;
  answered_at: Date | null;
  rejection_reason: string | null;
  outcome: string | null;
  outcome_by: string | null;
  outcome_at: Date | null;
  ticket_sequence: number | null;
}

const toReferral = (r: ReferralRow): Referral => ({
  id: r.id,
  ticketId: r.ticket_id,
  partnerId: r.partner_id,
  target: r.target,
  reason: r.reason,
  status: r.status,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at,
  ...(r.answered_at ? { answeredAt: r.answered_at } : {}),
  ...(r.rejection_reason !== null ? { rejectionReason: r.rejection_reason } : {}),
  ...(r.outcome !== null && r.outcome_by !== null && r.outcome_at !== null ? { outcome: { text: r.outcome, recordedBy: r.outcome_by, recordedAt: r.outcome_at } } : {}),
  ...(r.ticket_sequence !== null ? { ticketSequence: r.ticket_sequence } : {}),
});

/** Referrals and the tickets they may name, in escalation's schema. */
export const referralStore = {
  /** From a consumer batch's `ticket.created` events, in one statement; a replay of one changes nothing. */
  async rememberTickets(tx: EntityManager, tickets: readonly ReferralTicket[]): Promise<void> {
    if (tickets.length === 0) return;
    await tx.query(
      `INSERT INTO escalation.referral_tickets (ticket_id, partner_id, reference)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[]) ON CONFLICT DO NOTHING`,
      [tickets.map((t) => t.ticketId), tickets.map((t) => t.partnerId), tickets.map((t) => t.reference)],
    );
  },

  async ticketById(tx: EntityManager, ticketId: string): Promise<ReferralTicket | undefined> {
    const rows: { ticket_id: string; partner_id: string; reference: string }[] = await tx.query(
      `SELECT ticket_id, partner_id, reference FROM escalation.referral_tickets WHERE ticket_id = $1`,
      [ticketId],
    );
    return rows[0] ? { ticketId: rows[0].ticket_id, partnerId: rows[0].partner_id, reference: rows[0].reference } : undefined;
  },

  async ticketByReference(tx: EntityManager, reference: string): Promise<ReferralTicket | undefined> {
    const rows: { ticket_id: string; partner_id: string; reference: string }[] = await tx.query(
      `SELECT ticket_id, partner_id, reference FROM escalation.referral_tickets WHERE reference = $1`,
      [reference],
    );
    return rows[0] ? { ticketId: rows[0].ticket_id, partnerId: rows[0].partner_id, reference: rows[0].reference } : undefined;
  },

  async insert(tx: EntityManager, r: Referral): Promise<void> {
    await tx.query(
      `INSERT INTO escalation.referrals (id, ticket_id, partner_id, target, reason, status, requested_by, requested_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [r.id, r.ticketId, r.partnerId, r.target, r.reason, r.status, r.requestedBy, r.requestedAt],
    );
  },

  /** One referral of a ticket; `lock` takes its row for an answer or an outcome. */
  async find(tx: EntityManager, ticketId: string, id: string, lock = false): Promise<Referral | undefined> {
    const rows: ReferralRow[] = await tx.query(`SELECT * FROM escalation.referrals WHERE id = $1 AND ticket_id = $2${lock ? ' FOR UPDATE' : ''}`, [id, ticketId]);
    return rows[0] ? toReferral(rows[0]) : undefined;
  },

  async listForTicket(tx: EntityManager, ticketId: string): Promise<Referral[]> {
    const rows: ReferralRow[] = await tx.query(`SELECT * FROM escalation.referrals WHERE ticket_id = $1 ORDER BY requested_at, id`, [ticketId]);
    return rows.map(toReferral);
  },

  /** Writes what can change after the request: intake's answer (with the ticket event that applied it) and the outcome. */
  async update(tx: EntityManager, r: Referral): Promise<void> {
    await tx.query(
      `UPDATE escalation.referrals SET status = $2, answered_at = $3, rejection_reason = $4, outcome = $5, outcome_by = $6, outcome_at = $7, ticket_sequence = $8 WHERE id = $1`,
      [r.id, r.status, r.answeredAt ?? null, r.rejectionReason ?? null, r.outcome?.text ?? null, r.outcome?.recordedBy ?? null, r.outcome?.recordedAt ?? null, r.ticketSequence ?? null],
    );
  },
};
