import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Quarantined mail an agent released (docs/adr/0067): who and when. The outcome becomes the one a
 * received mail would have had (`new_ticket`, `threaded`), so the rest of the mail path (the
 * acknowledgment's search for the opening mail, threading by its Message-ID) reads it as any other.
 * Additive and nullable: an older release reads the rows as before.
 */
export class InboundRelease1765600100000 implements MigrationInterface {
  name = 'InboundRelease1765600100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.inbound_messages ADD COLUMN released_by text, ADD COLUMN released_at timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.inbound_messages DROP COLUMN released_at, DROP COLUMN released_by`);
  }
}
