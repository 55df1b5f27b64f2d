import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createServiceDataSource } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { MaskRequestDetails1765501370000 } from '../../src/store/migrations/1765501370000-mask-request-details';
import { INTAKE_SCHEMA } from '../../src/store/ticket.store';
import { insertTicketRow } from './support/ticket-rows';

const PASSWORD = 'Proxy#5521';
const REMOVED = '[access particulars removed]';

// P9 (docs/adr/0069): the details a request was filed with, kept as written and now shown.
describe('migration 1765501370000 (request details kept in clear)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('mask_request_details');
    dataSource = createServiceDataSource({ url: db.url, schema: INTAKE_SCHEMA, entities: [], migrations: [], poolSize: 2 });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const ticketWith = async (details: Record<string, string>): Promise<string> => {
    const id = await insertTicketRow((sql, p) => dataSource.query(sql, p), { partnerId: randomUUID(), receivedAt: new Date('2026-11-01T00:00:00.000Z') });
    await dataSource.query(`UPDATE ${INTAKE_SCHEMA}.tickets SET request = request || $2::jsonb WHERE id = $1`, [id, JSON.stringify(details)]);
    return id;
  };
  const requestOf = async (id: string): Promise<Record<string, unknown>> =>
    ((await dataSource.query(`SELECT request FROM ${INTAKE_SCHEMA}.tickets WHERE id = $1`, [id])) as { request: Record<string, unknown> }[])[0].request;

  it('masks access particulars in the details; other details and the rest of the request stay as written', async () => {
    const leaky = await ticketWith({ connectivity: `Via our proxy, login: proxyuser password: ${PASSWORD}`, antivirus: `ESET, admin password: ${PASSWORD}`, browser: 'Chrome 131' });
    const clean = await ticketWith({ connectivity: 'Office Wi-Fi', operatingSystem: 'Windows' });
    const before = await requestOf(clean);

    const runner = dataSource.createQueryRunner();
    try {
      await new MaskRequestDetails1765501370000().up(runner);
    } finally {
      await runner.release();
    }

    const masked = await requestOf(leaky);
    expect(JSON.stringify(masked)).not.toContain(PASSWORD);
    expect(masked).toMatchObject({ connectivity: `Via our proxy, ${REMOVED}`, browser: 'Chrome 131', product: 'reader', description: 'Something does not work.' });
    expect(masked.antivirus).toContain(REMOVED);
    expect(await requestOf(clean)).toEqual(before);
  });
});
