import type { MigrationInterface, QueryRunner } from 'typeorm';
import { recordCompatibilityFloor, removeCompatibilityFloors } from '@tss/persistence';

const NAME = 'StaffHistoryFloor1765603700000';

/**
 * 1765601910000 (history visibility), 1765601920000 (internal notes' credentials) and
 * 1765603050000 (referral history for staff) treat what is kept: entries and credentials only
 * staff may read are marked so. A release without them writes such entries, and an internal note's
 * particulars, as public (a referral's reason, a refused referral, a credential from an internal
 * note), and the newer release, rolled forward again, does not treat them a second time: partners
 * and requesters would read them. A release without the newest of them refuses this schema
 * (docs/adr/0071, addendum of 2026-12-05).
 */
export class StaffHistoryFloor1765603700000 implements MigrationInterface {
  name = NAME;

  async up(queryRunner: QueryRunner): Promise<void> {
    await recordCompatibilityFloor(queryRunner, 'ticket_intake', {
      migration: 'ReferralHistoryForStaff1765603050000',
      recordedBy: NAME,
      reason: 'an older release writes staff-only history and internal notes’ credentials as public, and they are not treated again when rolled forward',
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await removeCompatibilityFloors(queryRunner, 'ticket_intake', NAME);
  }
}
