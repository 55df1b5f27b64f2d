import type { MigrationInterface, QueryRunner } from 'typeorm';
import { recordCompatibilityFloor, removeCompatibilityFloors } from '@tss/persistence';

const NAME = 'KeyWrappingFloor1765501401000';

/**
 * 1764806400000 (key publication and wrapping) was not expand-only: `signs_from` became NOT NULL
 * without a default, so an older gateway cannot store a signing key, and the gateway then clears
 * `private_key_pem` of the keys it wraps, which an older one signs with. A release without it
 * refuses this schema (docs/adr/0071).
 */
export class KeyWrappingFloor1765501401000 implements MigrationInterface {
  name = NAME;

  async up(queryRunner: QueryRunner): Promise<void> {
    await recordCompatibilityFloor(queryRunner, 'gateway', {
      migration: 'KeyPublicationAndWrapping1764806400000',
      recordedBy: NAME,
      reason: 'signing_keys.signs_from is NOT NULL without a default and wrapped keys have no private_key_pem: an older release cannot store or sign with a key',
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await removeCompatibilityFloors(queryRunner, 'gateway', NAME);
  }
}
