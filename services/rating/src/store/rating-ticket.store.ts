import type { EntityManager } from 'typeorm';

/** rating's projection of a ticket (DESIGN "Who owns what"): tenancy, the survey page, the report's groups. */
export interface RatingTicket {
  ticketId: string;
  partnerId: string;
  reference: string;
  subject: string;
  requesterId: string | null;
  requesterEmail: string | null;
  language: 'en' | 'ru';
  level: string;
  product: string | null;
  assigneeId: string | null;
  lastResponderId: string | null;
  reopenCount: number;
  slaMet: number;
  slaBreached: number;
  receivedAt: Date;
  resolvedAt: Date | null;
  closedAt: Date | null;
}

interface Row {
  ticket_id: string;
  partner_id: string;
  reference: string;
  subject: string;
  requester_id: string | null;
  requester_email: string | null;
  language: string;
  level: string;
  product: string | null;
  assignee_id: string | null;
  last_responder_id: string | null;
  reopen_count: number;
  sla_met: number;
  sla_breached: number;
  received_at: Date;
  resolved_at: Date | null;
  closed_at: Date | null;
}

const fromRow = (r: Row): RatingTicket => ({
  ticketId: r.ticket_id,
  partnerId: r.partner_id,
  reference: r.reference,
  subject: r.subject,
  requesterId: r.requester_id,
  requesterEmail: r.requester_email,
  language: r.language === 'ru' ? 'ru' : 'en',
  level: r.level,
  product: r.product,
  assigneeId: r.assignee_id,
  lastResponderId: r.last_responder_id,
  reopenCount: r.reopen_count,
  slaMet: r.sla_met,
  slaBreached: r.sla_breached,
  receivedAt: r.received_at,
  resolvedAt: r.resolved_at,
  closedAt: r.closed_at,
});

/** What `ticket.created` tells rating of a ticket. */
export type NewRatingTicket = Omit<RatingTicket, 'assigneeId' | 'lastResponderId' | 'reopenCount' | 'slaMet' | 'slaBreached' | 'resolvedAt' | 'closedAt'>;

/** Which ticket fields a ticket event may change here. */
export type TicketChange = Partial<Pick<RatingTicket, 'level' | 'assigneeId' | 'lastResponderId' | 'resolvedAt' | 'closedAt'>> & {
  reopened?: true;
  sla?: 'met' | 'breached';
};

export const ratingTicketStore = {
  /**
   * `ticket.created` of several tickets in one statement; a replay of a creation changes nothing,
   * and of one ticket twice here the first counts (as two statements one after the other).
   */
  async insertAll(tx: EntityManager, tickets: readonly NewRatingTicket[]): Promise<void> {
    if (tickets.length === 0) return;
    const column = <K extends keyof NewRatingTicket>(key: K) => tickets.map((t) => t[key]);
    await tx.query(
      `INSERT INTO rating.tickets (ticket_id, partner_id, reference, subject, requester_id, requester_email, language, level, product, received_at)
       SELECT t, p, r, s, rq, re, la, le, pr, ra
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])
              WITH ORDINALITY AS n(t, p, r, s, rq, re, la, le, pr, ra, i)
        ORDER BY i
       ON CONFLICT (ticket_id) DO NOTHING`,
      [
        column('ticketId'),
        column('partnerId'),
        column('reference'),
        column('subject'),
        column('requesterId'),
        column('requesterEmail'),
        column('language'),
        column('level'),
        column('product'),
        column('receivedAt'),
      ],
    );
  },

  async find(tx: EntityManager, ticketId: string): Promise<RatingTicket | undefined> {
    const rows: Row[] = await tx.query(`SELECT * FROM rating.tickets WHERE ticket_id = $1`, [ticketId]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  },

  async findByReference(tx: EntityManager, reference: string, partnerId: string | undefined): Promise<RatingTicket | undefined> {
    const rows: Row[] = await tx.query(`SELECT * FROM rating.tickets WHERE reference = $1 AND ($2::uuid IS NULL OR partner_id = $2)`, [reference, partnerId ?? null]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  },

  /** The ticket of an event of `partnerId`, row-locked; undefined when not known here (yet) or another partner's. */
  async lock(tx: EntityManager, ticketId: string, partnerId: string): Promise<RatingTicket | undefined> {
    const rows: Row[] = await tx.query(`SELECT * FROM rating.tickets WHERE ticket_id = $1 AND partner_id = $2 FOR UPDATE`, [ticketId, partnerId]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  },

  /** `ticket.details_changed`: the product as staff completed or corrected it (P2); later facts count under it. */
  async setProduct(tx: EntityManager, ticketId: string, product: string | null): Promise<void> {
    await tx.query(`UPDATE rating.tickets SET product = $2 WHERE ticket_id = $1`, [ticketId, product]);
  },

  /** `ticket.unassigned`: nobody works the ticket now; its facts count for who last answered (`agentOf`). */
  async unassign(tx: EntityManager, ticketId: string): Promise<void> {
    await tx.query(`UPDATE rating.tickets SET assignee_id = NULL WHERE ticket_id = $1`, [ticketId]);
  },

  async apply(tx: EntityManager, ticketId: string, change: TicketChange): Promise<void> {
    await tx.query(
      `UPDATE rating.tickets SET
         level             = COALESCE($2, level),
         assignee_id       = COALESCE($3, assignee_id),
         last_responder_id = COALESCE($4, last_responder_id),
         resolved_at       = COALESCE($5, resolved_at),
         closed_at         = COALESCE($6, closed_at),
         reopen_count      = reopen_count + $7,
         sla_met           = sla_met + $8,
         sla_breached      = sla_breached + $9
       WHERE ticket_id = $1`,
      [
        ticketId,
        change.level ?? null,
        change.assigneeId ?? null,
        change.lastResponderId ?? null,
        change.resolvedAt ?? null,
        change.closedAt ?? null,
        change.reopened ? 1 : 0,
        change.sla === 'met' ? 1 : 0,
        change.sla === 'breached' ? 1 : 0,
      ],
    );
  },
};

/** Whom a fact about the ticket is counted for under `groupBy=agent`: its assignee, else who last answered. */
export const agentOf = (t: RatingTicket): string | null => t.assigneeId ?? t.lastResponderId;
