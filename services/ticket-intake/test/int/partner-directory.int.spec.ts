import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { ticketIntakeService } from '../../src/index';
import { partnerStore } from '../../src/store/partner.store';
import { INTAKE_SCHEMA } from '../../src/store/ticket.store';
import { TicketEntity } from '../../src/store/ticket.entity';

/** Intake's projection of the gateway's `partner.*` (whom staff may file for, docs/adr/0029 addendum). */
describe('the partners intake knows: redelivered and reordered partner events', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 9, minute));
  const keep = (partnerId: string, active: boolean, minute: number) =>
    dataSource.transaction((tx) => partnerStore.keep(tx, { partnerId, active, changedAt: at(minute) }));
  const isActive = (partnerId: string) => dataSource.transaction((tx) => partnerStore.isActive(tx, partnerId));

  beforeAll(async () => {
    db = await createTestDatabase('partner_directory');
    dataSource = createServiceDataSource({ url: db.url, schema: INTAKE_SCHEMA, entities: [TicketEntity], migrations: ticketIntakeService.migrations, poolSize: 4 });
    await initializeAndMigrate(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('an older change arriving after a newer one changes nothing: a deactivated partner stays unknown to staff filings', async () => {
    const partnerId = randomUUID();
    await keep(partnerId, false, 5); // partner.updated (deactivated), delivered first
    await keep(partnerId, true, 1); // partner.created, delivered late
    expect(await isActive(partnerId)).toBe(false);
  });

  it('a redelivered event, or two writers with one change at once, leave one row with the newest state', async () => {
    const partnerId = randomUUID();
    await Promise.all([keep(partnerId, true, 1), keep(partnerId, true, 1), keep(partnerId, false, 3), keep(partnerId, false, 3)]);
    await keep(partnerId, true, 1);
    expect(await isActive(partnerId)).toBe(false);
    await keep(partnerId, true, 7); // reactivated later
    expect(await isActive(partnerId)).toBe(true);
    const rows: unknown[] = await dataSource.query(`SELECT 1 FROM ${INTAKE_SCHEMA}.partners WHERE id = $1`, [partnerId]);
    expect(rows).toHaveLength(1);
  });

  it('a partner no event named is not active', async () => {
    expect(await isActive(randomUUID())).toBe(false);
  });
});
