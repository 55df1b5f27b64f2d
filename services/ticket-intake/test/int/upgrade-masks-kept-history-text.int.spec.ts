import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { MaskKeptHistoryText1765501330000 } from '../../src/store/migrations/1765501330000-mask-kept-history-text';
import { insertTicketRow } from './support/ticket-rows';

const PASSWORD = 'Hunter2!x';
const REMOVED = '[access particulars removed]';

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P9 (docs/adr/0026, addendum of 2026-12-04, fourth session): a history entry's detail keeps the
// why of a change (`note`) beside its event's fields (`reason`, `quote`, `body`); 1765500471000
// masked only the `reason` of ratings' reopenings, and nothing masked the rest.
describe('upgrade: ticket history text kept in clear by older releases (migration 1765501330000)', () => {
  const clock = new TestClock('2026-12-04T12:00:00.000Z');
  const partnerId = randomUUID();
  const ids = { ticket: '', reopened: '', moved: '', staffReopened: '', teamLeader: '', responded: '', assigned: '', stored: '' };
  let sut: ServiceUnderTest;

  const entry = async (query: Query, actor: [string, string], action: string, detail: Record<string, unknown>) => {
    const [{ id }] = (await query(
      `INSERT INTO ticket_intake.ticket_history (ticket_id, partner_id, at, actor_kind, actor_id, action, detail) VALUES ($1, $2, '2026-12-04T09:00:00Z', $3, $4, $5, $6) RETURNING id::text AS id`,
      [ids.ticket, partnerId, ...actor, action, detail],
    )) as { id: string }[];
    return id;
  };

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, {
      clock,
      database: {
        before: 1765501330000,
        // As 1dd08c4 kept a "not solved" rating's reopening (its reason then masked by 1765500471000), and older releases the rest.
        write: async (query) => {
          ids.ticket = await insertTicketRow(query, { partnerId, receivedAt: new Date('2026-12-01T09:00:00.000Z') });
          const rating: [string, string] = ['service', 'rating'];
          const agent: [string, string] = ['staff', 'agent-1'];
          ids.reopened = await entry(query, rating, 'reopened', { reason: `Rated not solved: Still broken. ${REMOVED}`, note: `Rated not solved: Still broken. password: ${PASSWORD}` });
          ids.moved = await entry(query, rating, 'status_changed', {
            from: 'resolved',
            to: 'open',
            reason: `Rated not solved: Still broken. ${REMOVED}`,
            note: `Rated not solved: Still broken. password: ${PASSWORD}`,
          });
          ids.staffReopened = await entry(query, agent, 'reopened', { reason: `They sent pwd: ${PASSWORD} again`, note: `They sent pwd: ${PASSWORD} again` });
          ids.teamLeader = await entry(query, ['partner', partnerId], 'team_leader_requested', { messageId: randomUUID(), quote: `Attention Technical Support Team Leader! password: ${PASSWORD}` });
          ids.responded = await entry(query, agent, 'responded', { messageId: randomUUID(), authorId: 'agent-1', body: `Try login: support password: ${PASSWORD} now` });
          ids.assigned = await entry(query, agent, 'status_changed', { from: 'new', to: 'open', reason: 'assigned', note: 'claimed from the queue' });
          ids.stored = await entry(query, agent, 'credential_stored', { credentialId: randomUUID(), label: 'Admin panel password', kind: 'submitted' });
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const detailsById = async () =>
    Object.fromEntries((await sut.query<{ id: string; detail: Record<string, unknown> }>(`SELECT id::text AS id, detail FROM ticket_intake.ticket_history WHERE ticket_id = $1`, [ids.ticket])).map((h) => [h.id, h.detail]));

  it('P9: GET /history shows no password, whatever kind of entry held it', async () => {
    const staff = sut.token({ kind: 'staff', sub: 'agent-1', client_id: 'agent-1', roles: ['agent'], scope: 'tickets:read tickets:write' });
    const history = await sut.http().get(`/v1/tickets/${ids.ticket}/history`).auth(staff, { type: 'bearer' });
    expect(history.status).toBe(200);
    expect(JSON.stringify(history.body)).not.toContain(PASSWORD);

    const details = await detailsById();
    expect(details[ids.reopened]).toEqual({ reason: `Rated not solved: Still broken. ${REMOVED}`, note: `Rated not solved: Still broken. ${REMOVED}` });
    expect(details[ids.moved]).toEqual({ from: 'resolved', to: 'open', reason: `Rated not solved: Still broken. ${REMOVED}`, note: `Rated not solved: Still broken. ${REMOVED}` });
    expect(details[ids.staffReopened]).toEqual({ reason: `They sent ${REMOVED} again`, note: `They sent ${REMOVED} again` });
    expect(details[ids.teamLeader]).toMatchObject({ quote: `Attention Technical Support Team Leader! ${REMOVED}` });
    expect(details[ids.responded]).toMatchObject({ authorId: 'agent-1', body: `Try ${REMOVED} now` });
  });

  it('entries without particulars stay as written, and running the migration again changes nothing', async () => {
    const before = await detailsById();
    expect(before[ids.assigned]).toEqual({ from: 'new', to: 'open', reason: 'assigned', note: 'claimed from the queue' });
    expect(before[ids.stored]).toMatchObject({ label: 'Admin panel password', kind: 'submitted' });
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptHistoryText1765501330000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await detailsById()).toEqual(before);
  });
});
