import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The links the previous release minted through the API, in `gateway.minted_site_links` (created
 * empty by `MintedSiteLinks1765601100000`): that release published `partner.site_link_minted` for
 * each but kept no table, so a link it minted and revoked after the upgrade was on no history.
 * Its events are still in the gateway's outbox until the retention prunes them (docs/adr/0032),
 * published or not; each names the link's id, ticket, partner, minter and time (never the link).
 * Additive and idempotent: a link the table knows keeps its row. A link minted longer ago than the
 * outbox's retention stays unknown, as before (docs/adr/0037, addendum of 2026-12-04, sixth session;
 * docs/operations.md "Upgrade notes").
 */
export class BackfillMintedSiteLinks1765602020000 implements MigrationInterface {
  name = 'BackfillMintedSiteLinks1765602020000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      INSERT INTO gateway.minted_site_links (link_id, ticket_id, partner_id, minted_by, minted_at)
      SELECT d->>'linkId', (d->>'ticketId')::uuid, (d->>'partnerId')::uuid, (d->'mintedBy'->>'kind') || ':' || (d->'mintedBy'->>'id'), (d->>'mintedAt')::timestamptz
        FROM (SELECT position, event->'data' AS d FROM gateway.outbox WHERE event_type = 'partner.site_link_minted') AS minted
       WHERE d->>'linkId' IS NOT NULL AND d->>'ticketId' IS NOT NULL AND d->>'partnerId' IS NOT NULL
         AND d->'mintedBy'->>'kind' IS NOT NULL AND d->'mintedBy'->>'id' IS NOT NULL AND d->>'mintedAt' IS NOT NULL
       ORDER BY position
      ON CONFLICT (link_id) DO NOTHING`);
  }

  async down(): Promise<void> {
    // The rows stay: they say which links were minted, and MintedSiteLinks1765601100000's down drops the table.
  }
}
