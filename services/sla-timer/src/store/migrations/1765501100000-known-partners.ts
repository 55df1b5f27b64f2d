import type { MigrationInterface, QueryRunner } from 'typeorm';

const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** Every partner sla-timer held data for before it knew partners: tickets, clocks, agreements. */
const PARTNER_IDS_HELD = [
  'SELECT partner_id FROM sla_timer.tickets',
  'SELECT partner_id FROM sla_timer.response_clocks',
  `SELECT scope::uuid FROM sla_timer.sla_policies WHERE scope <> 'default' AND scope ~ '${UUID_PATTERN}'`,
];

/**
 * The partners sla-timer knows, projected from the gateway's `partner.*` events, so an admin's
 * agreement (`PUT /v1/partners/{id}/sla-policy`) names a partner that exists (docs/adr/0031,
 * addendum of 2026-12-04, fourth session). sla-timer cannot read the gateway's tables; a partner
 * registered before this projection, whose `partner.created` the broker no longer holds, is known
 * from the data sla-timer already keeps for it. Such a row is an inference, not a change the
 * gateway made: its `changed_at` is -infinity, so any event of the gateway about that partner,
 * however old, wins over it (a deactivation included).
 */
export class KnownPartners1765501100000 implements MigrationInterface {
  name = 'KnownPartners1765501100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sla_timer.partners (
        id         uuid        PRIMARY KEY,
        active     boolean     NOT NULL,
        changed_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      INSERT INTO sla_timer.partners (id, active, changed_at)
      SELECT partner_id, true, '-infinity' FROM (${PARTNER_IDS_HELD.join(' UNION ')}) AS held (partner_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE sla_timer.partners`);
  }
}
