import type { EntityManager } from 'typeorm';

/**
 * The links the gateway minted through the API (gateway.minted_site_links, docs/adr/0037 addendum):
 * a revocation is on the ticket's history only for one of these. Links in mails are minted by
 * notification and are not here: the gateway cannot tell them from made-up ids.
 */
export const mintedSiteLinkStore = {
  /** In the mint's transaction, with its `partner.site_link_minted`: a link answered is a link recorded. */
  async record(tx: EntityManager, link: { linkId: string; ticketId: string; partnerId: string; mintedBy: string; mintedAt: Date }): Promise<void> {
    await tx.query(`INSERT INTO gateway.minted_site_links (link_id, ticket_id, partner_id, minted_by, minted_at) VALUES ($1, $2, $3, $4, $5)`, [
      link.linkId,
      link.ticketId,
      link.partnerId,
      link.mintedBy,
      link.mintedAt,
    ]);
  },

  /** Whether the gateway minted this link for this ticket: another ticket's link, or an id it never minted, is not. */
  async wasMintedFor(tx: EntityManager, linkId: string, ticketId: string): Promise<boolean> {
    const rows: unknown[] = await tx.query(`SELECT 1 FROM gateway.minted_site_links WHERE link_id = $1 AND ticket_id = $2`, [linkId, ticketId]);
    return rows.length > 0;
  },
};
