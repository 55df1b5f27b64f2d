import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateGatewayTables1764115600000 implements MigrationInterface {
  name = 'CreateGatewayTables1764115600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE gateway.signing_keys (
        kid              text PRIMARY KEY,
        algorithm        text        NOT NULL,
        private_key_pem  text        NOT NULL,
        public_jwk       jsonb       NOT NULL,
        created_at       timestamptz NOT NULL,
        retired_at       timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE gateway.partners (
        id          uuid PRIMARY KEY,
        name        text        NOT NULL,
        active      boolean     NOT NULL DEFAULT true,
        created_at  timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE gateway.api_clients (
        client_id     text PRIMARY KEY,
        secret_hash   text        NOT NULL,
        kind          text        NOT NULL CHECK (kind IN ('partner', 'staff')),
        partner_id    uuid REFERENCES gateway.partners (id),
        roles         text[]      NOT NULL DEFAULT '{}',
        display_name  text,
        email         text,
        active        boolean     NOT NULL DEFAULT true,
        created_at    timestamptz NOT NULL,
        CHECK ((kind = 'partner') = (partner_id IS NOT NULL))
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE gateway.api_clients`);
    await queryRunner.query(`DROP TABLE gateway.partners`);
    await queryRunner.query(`DROP TABLE gateway.signing_keys`);
  }
}
