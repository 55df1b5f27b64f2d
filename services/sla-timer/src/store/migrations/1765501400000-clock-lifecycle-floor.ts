import type { MigrationInterface, QueryRunner } from 'typeorm';
import { recordCompatibilityFloor, removeCompatibilityFloors } from '@tss/persistence';

const NAME = 'ClockLifecycleFloor1765501400000';

/**
 * 1765200000000 (clock lifecycle) broke the expand-only rule: it made `target_ms` and `overdue_at`
 * NOT NULL without a default, so an sla-timer older than it fails every clock insert on this
 * schema and dead-letters the `ticket.created` (P5: the ticket gets no response clock). This
 * records it as the schema's compatibility floor: a release without it refuses to start here
 * (docs/adr/0071). Releases older than the check itself cannot read the floor.
 */
export class ClockLifecycleFloor1765501400000 implements MigrationInterface {
  name = NAME;

  async up(queryRunner: QueryRunner): Promise<void> {
    await recordCompatibilityFloor(queryRunner, 'sla_timer', {
      migration: 'ClockLifecycle1765200000000',
      recordedBy: NAME,
      reason: 'response_clocks.target_ms and overdue_at are NOT NULL without a default: an older release cannot start a clock',
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await removeCompatibilityFloors(queryRunner, 'sla_timer', NAME);
  }
}
