import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A revocation is keyed by link and ticket: a link id revoked through another ticket (a foreign
 * partner's, which `isRevoked` never reads) no longer takes the row that the link's own ticket's
 * revocation needs (docs/adr/0037).
 */
export class SiteLinkRevocationPerTicket1765400000000 implements MigrationInterface {
  name = 'SiteLinkRevocationPerTicket1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE gateway.site_link_revocations DROP CONSTRAINT site_link_revocations_pkey, ADD PRIMARY KEY (link_id, ticket_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Keeps one revocation per link, the earliest, as the key before allowed.
    await queryRunner.query(`DELETE FROM gateway.site_link_revocations r USING gateway.site_link_revocations e WHERE r.link_id = e.link_id AND (r.revoked_at, r.ticket_id) > (e.revoked_at, e.ticket_id)`);
    await queryRunner.query(`ALTER TABLE gateway.site_link_revocations DROP CONSTRAINT site_link_revocations_pkey, ADD PRIMARY KEY (link_id)`);
  }
}
