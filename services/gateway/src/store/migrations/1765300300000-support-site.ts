import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The requester's support site (issue #13, docs/adr/0037): a partner's site switch and its site
 * client's token version, revoked links, the tickets the site may link to (from `ticket.created`),
 * and the secret its forms' CSRF tokens are signed with (one per deployment, shared by replicas).
 */
export class SupportSite1765300300000 implements MigrationInterface {
  name = 'SupportSite1765300300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE gateway.partners ADD COLUMN site_enabled boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE gateway.partners ADD COLUMN site_token_version integer NOT NULL DEFAULT 1`);
    await queryRunner.query(`
      CREATE TABLE gateway.site_link_revocations (
        link_id     text PRIMARY KEY,
        ticket_id   uuid        NOT NULL,
        partner_id  uuid        NOT NULL,
        revoked_by  text        NOT NULL,
        revoked_at  timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE gateway.site_tickets (
        ticket_id   uuid PRIMARY KEY,
        partner_id  uuid        NOT NULL,
        reference   text        NOT NULL,
        requester   text,
        language    text,
        created_at  timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE gateway.site_secrets (
        name        text PRIMARY KEY,
        secret      bytea       NOT NULL,
        created_at  timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE gateway.site_secrets`);
    await queryRunner.query(`DROP TABLE gateway.site_tickets`);
    await queryRunner.query(`DROP TABLE gateway.site_link_revocations`);
    await queryRunner.query(`ALTER TABLE gateway.partners DROP COLUMN site_token_version`);
    await queryRunner.query(`ALTER TABLE gateway.partners DROP COLUMN site_enabled`);
  }
}
