import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tokens carry their client's `token_version`: disabling or rotating a client bumps it and revokes them at once. */
export class ClientRevocation1764201600000 implements MigrationInterface {
  name = 'ClientRevocation1764201600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE gateway.api_clients ADD COLUMN token_version integer NOT NULL DEFAULT 1`);
    await queryRunner.query(`ALTER TABLE gateway.api_clients ADD COLUMN disabled_at timestamptz`);
    await queryRunner.query(`CREATE INDEX api_clients_partner ON gateway.api_clients (partner_id) WHERE partner_id IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX gateway.api_clients_partner`);
    await queryRunner.query(`ALTER TABLE gateway.api_clients DROP COLUMN disabled_at`);
    await queryRunner.query(`ALTER TABLE gateway.api_clients DROP COLUMN token_version`);
  }
}
