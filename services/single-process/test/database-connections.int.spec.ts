import { LISTENER_APPLICATION_NAME } from '@tss/persistence';
import { sampleTicket } from '@tss/runtime/testing';
import { waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

// docs/adr/0089: every NOTIFY wakes every backend that listens to anything in the database (before
// PostgreSQL 19), so the platform listens on one connection, not on one per relay and timer worker.
describe('the platform’s own PostgreSQL connections (docs/adr/0089)', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform('database_connections');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const backendsByName = async (): Promise<Record<string, number>> => {
    const rows = await platform.query<{ application_name: string; n: number }>(
      'ticket-intake',
      `SELECT application_name, count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY application_name`,
    );
    return Object.fromEntries(rows.map((r) => [r.application_name, r.n]));
  };

  it('one listening connection serves every relay, timer worker and the webhook sender; each relay keeps its own for its lock', async () => {
    // A ticket goes through: intake's relay woke, sla-timer opened the clock and scheduled its timers.
    const admin = await platform.adminToken();
    const acme = await platform.client.partner(admin, 'Acme Connections');
    const filed = await platform.client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);
    await waitFor('the ticket’s clock in sla-timer', async () => (await platform.query('sla-timer', 'SELECT 1 FROM sla_timer.response_clocks WHERE ticket_id = $1', [filed.body.id])).length === 1);

    const backends = await backendsByName();
    expect(backends[LISTENER_APPLICATION_NAME]).toBe(1);
    // Before, each waiter listened on a connection of its own under these names.
    expect(Object.keys(backends).filter((name) => name.endsWith(':timers') || name === 'notification:webhooks')).toEqual([]);
    const relays = Object.keys(backends).filter((name) => name.endsWith(':outbox-relay'));
    expect(relays.sort()).toEqual(['escalation', 'gateway', 'notification', 'rating', 'sla_timer', 'ticket_intake'].map((schema) => `${schema}:outbox-relay`));
    for (const relay of relays) expect(backends[relay]).toBe(1);
  });
});
