import type { MigrationInterface } from 'typeorm';
import { migrateService } from '@tss/runtime';
import { assertSchemaCompatible, createServiceDataSource, SchemaNeedsNewerRelease } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { ticketIntakeService } from '../../src/index';

const nameOf = (migration: unknown): string => new (migration as new () => MigrationInterface)().name!;

// Outside check of 2026-12-05: a rollback to a release without the staff-only history treatment,
// then forward again, left what the older release wrote meanwhile public (a referral's reason, an
// internal note's credential). Such a release now refuses the schema (docs/adr/0071 addendum).
describe('ticket-intake: a release without the staff-only history treatment refuses the schema', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('intake_staff_floor');
    await migrateService(ticketIntakeService, db.url);
  });
  afterAll(async () => {
    await db?.drop();
  });

  const release = (without: readonly string[]) =>
    createServiceDataSource({ url: db.url, schema: 'ticket_intake', migrations: ticketIntakeService.migrations!.filter((m) => !without.includes(nameOf(m))) as never[] });

  it('this release starts; one without ReferralHistoryForStaff1765603050000 (the sixth session’s) is refused, naming it', async () => {
    const current = release([]);
    await current.initialize();
    try {
      await expect(assertSchemaCompatible(current)).resolves.toBeUndefined();
    } finally {
      await current.destroy();
    }
    const older = release(['ReferralHistoryForStaff1765603050000', 'StaffHistoryFloor1765603700000', 'MaskKeptFileNames1765603300000']);
    await older.initialize();
    try {
      const refused = await assertSchemaCompatible(older).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(SchemaNeedsNewerRelease);
      expect(String((refused as Error).message)).toContain('ReferralHistoryForStaff1765603050000');
    } finally {
      await older.destroy();
    }
  });
});
