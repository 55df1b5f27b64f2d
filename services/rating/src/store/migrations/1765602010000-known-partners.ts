import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The partners rating knows, projected from the gateway's `partner.*` events (never its tables),
 * so a deactivated partner's rating links take no rating (docs/auth.md "Deactivating a partner";
 * docs/adr/0040, addendum of 2026-12-04, sixth session). Empty at first: a partner no event named
 * here is not refused (the gateway vouched for it when its ticket was filed); the group reads
 * `tss.partner` from the start of its retention, and the gateway's announcement of its whole
 * directory (`AnnounceDirectory1765600999000`) names every partner as it stands.
 */
export class KnownPartners1765602010000 implements MigrationInterface {
  name = 'KnownPartners1765602010000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE rating.partners (
        id         uuid        PRIMARY KEY,
        active     boolean     NOT NULL,
        changed_at timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE rating.partners`);
  }
}
