import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * P11: the reference of the closed ticket whose follow-up takes an inbound mail is kept with the
 * mail, so a second delivery of it is answered as the first was ("follow-up of closed ticket …
 * (duplicate)", `followUpOf` on the receipt: docs/adr/0035, addendum of 2026-12-04, sixth session).
 * Mail recorded before this is backfilled from its reason, which named the reference
 * (`followUpReason`). Nullable, no default: an older release writes nothing and answers as before.
 */
export class InboundFollowUpOf1765602100000 implements MigrationInterface {
  name = 'InboundFollowUpOf1765602100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.inbound_messages ADD COLUMN follow_up_of text`);
    await queryRunner.query(
      `UPDATE notification.inbound_messages SET follow_up_of = substring(reason from '; (\\S+) no longer takes mail')
        WHERE outcome = 'threaded' AND reason LIKE '% no longer takes mail%'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.inbound_messages DROP COLUMN follow_up_of`);
  }
}
