import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The support-site links the gateway mints through the API (docs/adr/0037, addendum of 2026-12-04,
 * fifth session: "only a link it minted is revoked on the record"), written in the mint's
 * transaction. A revocation is published for the ticket's history only for a link of this table
 * and of that ticket. Never the link itself (a bearer credential): its id, ticket and minter.
 */
export class MintedSiteLinks1765601100000 implements MigrationInterface {
  name = 'MintedSiteLinks1765601100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE gateway.minted_site_links (
        link_id     text PRIMARY KEY,
        ticket_id   uuid        NOT NULL,
        partner_id  uuid        NOT NULL,
        minted_by   text        NOT NULL,
        minted_at   timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE gateway.minted_site_links`);
  }
}
