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
  /**
   * Every ticket a consumer batch's `ticket.created` events name, in one statement. Idempotent: a
   * redelivered `ticket.created` (or one twice in the list) changes nothing.
   */
  async insertAll(tx: EntityManager, tickets: readonly (SiteTicket & { createdAt: Date })[]): Promise<void> {
    if (tickets.length === 0) return;
    await tx.query(
      `INSERT INTO gateway.site_tickets (ticket_id, partner_id, reference, requester, language, created_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
       ON CONFLICT (ticket_id) DO NOTHING`,
      [
        tickets.map((t) => t.ticketId),
        tickets.map((t) => t.partnerId),
        tickets.map((t) => t.reference),
        tickets.map((t) => t.requester),
        tickets.map((t) => t.language),
        tickets.map((t) => t.createdAt),
      ],
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
