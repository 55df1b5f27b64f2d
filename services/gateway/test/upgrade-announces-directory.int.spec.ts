import { randomUUID } from 'node:crypto';
import { validateEvent } from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { gatewayService } from '../src';

// docs/adr/0027 (addendum of 2026-12-04, fifth session): ticket-intake's staff copy is new in this
// release, and the broker keeps `staff.created` only for its retention. The upgrade announces every
// partner and staff client again, so copies learn the ones registered long before.
describe('upgrade: the gateway announces its directory again (migration 1765600999000)', () => {
  const clock = new TestClock('2026-12-04T12:00:00.000Z');
  const partnerId = randomUUID();
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(gatewayService, {
      clock,
      database: {
        before: 1765600999000,
        write: async (query) => {
          await query(`INSERT INTO gateway.partners (id, name, active, created_at) VALUES ($1, 'Acme', true, '2026-01-05T09:00:00Z')`, [partnerId]);
          const client = `INSERT INTO gateway.api_clients (client_id, secret_hash, kind, partner_id, roles, display_name, email, active, created_at)
                          VALUES ($1, 'x', $2, $3, $4, $5, $6, $7, '2026-01-05T09:00:00Z')`;
          await query(client, ['sc_agent_old', 'staff', null, ['agent'], 'Agent Old', 'old@support.example', true]);
          await query(client, ['sc_gone', 'staff', null, ['team_lead'], null, null, false]);
          await query(client, ['pc_acme', 'partner', partnerId, [], null, null, true]);
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('every partner and staff client is in the outbox as it stands, in events the catalogue accepts; partner clients are not staff', async () => {
    const rows = await sut.query<{ event: unknown }>(`SELECT event FROM gateway.outbox WHERE event_type IN ('partner.updated', 'staff.updated') ORDER BY position`);
    for (const { event } of rows) expect(validateEvent(event)).toMatchObject({ ok: true });
    const data = rows.map(({ event }) => {
      const { type, subject, data: d } = event as { type: string; subject: string; data: Record<string, unknown> };
      const { changedAt, ...rest } = d;
      expect(typeof changedAt).toBe('string');
      return { type, subject, ...rest };
    });
    expect(data).toEqual([
      { type: 'partner.updated', subject: partnerId, partnerId, name: 'Acme', active: true },
      { type: 'staff.updated', subject: 'sc_agent_old', staffId: 'sc_agent_old', roles: ['agent'], displayName: 'Agent Old', email: 'old@support.example', active: true },
      { type: 'staff.updated', subject: 'sc_gone', staffId: 'sc_gone', roles: ['team_lead'], active: false },
    ]);
  });
});
