import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every table of notification that names a partner: partners it has seen, so registered ones. */
const PARTNER_IDS_HELD = [
  'acknowledgments',
  'mail_contacts',
  'mail_messages',
  'inbound_messages',
  'partner_mail_domains',
  'webhook_endpoints',
  'webhook_events',
].map((table) => `SELECT partner_id FROM notification.${table} WHERE partner_id IS NOT NULL`);

/**
 * The partners notification knows, projected from the gateway's `partner.*` events, so an admin
 * naming a partner (a webhook endpoint's `partnerId`, a partner's mail domain) names one that
 * exists (docs/adr/0034 and 0035, addenda of 2026-12-04, third session).
 * A partner registered before this projection, whose `partner.created` the broker no longer
 * holds, is known from the data notification already keeps for it. Such a row is an inference,
 * not a change the gateway made: its `changed_at` is -infinity, so any event of the gateway about
 * that partner, however old, wins over it (a deactivation included).
 */
export class KnownPartners1765500340000 implements MigrationInterface {
  name = 'KnownPartners1765500340000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE notification.partners (
        id         uuid        PRIMARY KEY,
        active     boolean     NOT NULL,
        changed_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      INSERT INTO notification.partners (id, active, changed_at)
      SELECT partner_id, true, '-infinity' FROM (${PARTNER_IDS_HELD.join(' UNION ')}) AS held`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE notification.partners`);
  }
}
