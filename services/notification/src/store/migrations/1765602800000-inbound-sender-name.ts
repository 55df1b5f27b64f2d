import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The From display name is kept with each inbound mail (masked like the rest: a name that reads as
 * access particulars is not kept), so a quarantined mail an agent releases files its ticket with
 * the requester's name, as one accepted at once does (docs/adr/0067, addendum of 2026-12-04,
 * seventh session). Nullable, no default: mail kept before has no name, and an older release
 * writes none and releases as before.
 */
export class InboundSenderName1765602800000 implements MigrationInterface {
  name = 'InboundSenderName1765602800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.inbound_messages ADD COLUMN sender_name text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.inbound_messages DROP COLUMN sender_name`);
  }
}
