import { randomUUID } from 'node:crypto';
import { sampleTicket, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '@tss/ticket-intake';

describe('startServiceUnderTest: one module on a clone of the migrated template', () => {
  let sut: ServiceUnderTest;
  const clock = new TestClock('2026-03-02T08:00:00.000Z');

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, { clock });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  it('hosts the module under test alone, on a database whose migrations are already applied', async () => {
    expect([...sut.platform.hosts.keys()]).toEqual(['ticket-intake']);
    expect(await sut.host.dataSource.showMigrations()).toBe(false);
  });

  it('serves the module’s routes to a token signed as the gateway would, and refuses one it did not sign', async () => {
    const partnerId = randomUUID();
    const token = sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read tickets:write' });
    const created = await sut.http().post('/v1/tickets').auth(token, { type: 'bearer' }).send(sampleTicket());
    expect(created.status).toBe(201);
    const stored = await sut.query<{ partner_id: string }>('SELECT partner_id FROM ticket_intake.tickets WHERE id = $1', [created.body.id]);
    expect(stored).toEqual([{ partner_id: partnerId }]);
    const forged = `${token.slice(0, -4)}AAAA`;
    expect((await sut.http().get(`/v1/tickets/${created.body.id}`).auth(forged, { type: 'bearer' })).status).toBe(401);
  });
});
