import type { EntityManager } from 'typeorm';

/** Revoked support-site links (docs/adr/0037): a link is its signed token; revoking it names its id. */
export const siteLinkRevocationStore = {
  /**
   * Idempotent: revoking a revoked link keeps the first revocation. Keyed by link and ticket, so a
   * revocation through another ticket (which `isRevoked` never reads) cannot take the link's place.
   * True when this call revoked it (the first revocation), false when it already was.
   */
  async revoke(tx: EntityManager, revocation: { linkId: string; ticketId: string; partnerId: string; revokedBy: string; revokedAt: Date }): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO gateway.site_link_revocations (link_id, ticket_id, partner_id, revoked_by, revoked_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (link_id, ticket_id) DO NOTHING RETURNING 1`,
      [revocation.linkId, revocation.ticketId, revocation.partnerId, revocation.revokedBy, revocation.revokedAt],
    );
    return rows.length > 0;
  },

  /** Only a revocation made through the link's own ticket counts: nobody revokes a link of a ticket they cannot see. */
  async isRevoked(db: EntityManager, linkId: string, ticketId: string): Promise<boolean> {
    const rows: unknown[] = await db.query(`SELECT 1 FROM gateway.site_link_revocations WHERE link_id = $1 AND ticket_id = $2`, [linkId, ticketId]);
    return rows.length > 0;
  },
};
