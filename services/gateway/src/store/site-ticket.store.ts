import type { EntityManager } from 'typeorm';

/** What the support site knows of a ticket: whose it is (from `ticket.created`; DESIGN "Projections"). */
export interface SiteTicket {
  ticketId: string;
  partnerId: string;
  reference: string;
  /** The requester a link is minted for: the ticket's requester id (`mail:<address>` for mail); null when it names none. */
  requester: string | null;
  language: string | null;
}

export const siteTicketStore = {
  /** Idempotent: a redelivered `ticket.created` changes nothing. */
  async insert(tx: EntityManager, ticket: SiteTicket, createdAt: Date): Promise<void> {
    await tx.query(
      `INSERT INTO gateway.site_tickets (ticket_id, partner_id, reference, requester, language, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (ticket_id) DO NOTHING`,
      [ticket.ticketId, ticket.partnerId, ticket.reference, ticket.requester, ticket.language, createdAt],
    );
  },

  async find(db: EntityManager, ticketId: string): Promise<SiteTicket | undefined> {
    const rows: { ticket_id: string; partner_id: string; reference: string; requester: string | null; language: string | null }[] = await db.query(
      `SELECT ticket_id, partner_id, reference, requester, language FROM gateway.site_tickets WHERE ticket_id = $1`,
      [ticketId],
    );
    const row = rows[0];
    return row && { ticketId: row.ticket_id, partnerId: row.partner_id, reference: row.reference, requester: row.requester, language: row.language };
  },
};
