import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { MaskKeptClosureNotes1765604900000 } from '../../src/store/migrations/1765604900000-mask-kept-closure-notes';
import { insertTicketRow } from './support/ticket-rows';

const PASSWORD = 'SECRETMARK-61-CloseNote#';
const REMOVED = '[access particulars removed]';

// P9 (docs/adr/0026, addendum of 2026-12-05, fourth session): releases before it kept an
// out-of-scope closure's own note as the agent wrote it, shown by GET and the list to the partner.
describe('upgrade: closure notes kept in clear by older releases (migration 1765604900000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const partnerId = randomUUID();
  const ids = { leaky: '', plain: '', none: '' };
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, {
      clock,
      database: {
        before: 1765604900000,
        write: async (query) => {
          const closed = async (closure: Record<string, unknown>) => {
            const id = await insertTicketRow(query, { partnerId, receivedAt: new Date('2026-12-04T09:00:00.000Z'), status: 'closed', responseOwed: false });
            await query(`UPDATE ticket_intake.tickets SET closure = $2::jsonb, closed_at = '2026-12-04T10:00:00Z' WHERE id = $1`, [id, JSON.stringify(closure)]);
            return id;
          };
          ids.leaky = await closed({ reason: 'malware_removal', thirdParty: 'security_software_vendor', note: `Out of scope; your password: ${PASSWORD}` });
          ids.plain = await closed({ reason: 'malware_removal', thirdParty: 'security_software_vendor', note: 'Ask your antivirus vendor; the password reset page works.' });
          ids.none = await closed({ reason: 'reopen_window_ended' });
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const closures = async () =>
    Object.fromEntries((await sut.query<{ id: string; closure: Record<string, unknown> }>(`SELECT id::text AS id, closure FROM ticket_intake.tickets WHERE partner_id = $1`, [partnerId])).map((t) => [t.id, t.closure]));

  it('P9: GET shows the closure note with its particulars removed, to the partner and to staff', async () => {
    const partner = sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read' });
    const read = await sut.http().get(`/v1/tickets/${ids.leaky}`).auth(partner, { type: 'bearer' });
    expect(read.status).toBe(200);
    expect(read.body.closure).toEqual({ reason: 'malware_removal', thirdParty: 'security_software_vendor', note: `Out of scope; your ${REMOVED}` });
    const listed = await sut.http().get('/v1/tickets').auth(partner, { type: 'bearer' });
    expect(JSON.stringify(listed.body)).not.toContain(PASSWORD);
  });

  it('closures without particulars stay as written, and running the migration again changes nothing', async () => {
    const before = await closures();
    expect(before[ids.plain]).toEqual({ reason: 'malware_removal', thirdParty: 'security_software_vendor', note: 'Ask your antivirus vendor; the password reset page works.' });
    expect(before[ids.none]).toEqual({ reason: 'reopen_window_ended' });
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptClosureNotes1765604900000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await closures()).toEqual(before);
  });
});
