import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { escalationService } from '../src/index';
import { MaskKeptQuotes1765501320000 } from '../src/store/migrations/1765501320000-mask-kept-quotes';

const PASSWORD = 'Hunter2!x';
const REMOVED = '[access particulars removed]';
const ASKS = 'Attention Technical Support Team Leader';

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P9 (docs/adr/0026, addendum of 2026-12-04, fourth session): a team-leader escalation quotes the
// request or message that asked (P7); releases before the vault quoted it as written.
describe('upgrade: quotes escalation kept in clear (migration 1765501320000)', () => {
  const clock = new TestClock('2026-12-04T12:00:00.000Z');
  const seeded = { leaky: '', ordinary: '', raised: '' };
  let sut: ServiceUnderTest;

  const keptEscalation = async (query: Query, quote: string) => {
    const id = randomUUID();
    await query(
      `INSERT INTO escalation.escalations (id, ticket_id, partner_id, kind, level, rule, cause_key, cause_event_id, cause_type, target_role, target_staff_ids, quote, summary, status, raised_at, last_notified_at)
       VALUES ($1::uuid, $2, $3, 'team_leader', 1, 'team-leader', $1::text, $4, 'ticket.team_leader_requested', 'team_leader', '{}', $5, 'The requester asked for the team leader', 'open', now(), now())`,
      [id, randomUUID(), randomUUID(), randomUUID(), quote],
    );
    return id;
  };

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, {
      clock,
      database: {
        before: 1765501320000,
        write: async (query) => {
          seeded.leaky = await keptEscalation(query, `Login to admin fails\n\n${ASKS}: we gave you password: ${PASSWORD} already`);
          seeded.ordinary = await keptEscalation(query, `${ASKS}: the forgot password page fails`);
          const id = randomUUID();
          const [{ position }] = (await query(
            `INSERT INTO escalation.outbox (event_id, event_type, topic, message_key, event, created_at, published_at) VALUES ($1, 'escalation.raised', 'tss.escalation', $2, $3, now(), now()) RETURNING position::text AS position`,
            [id, randomUUID(), { id, type: 'escalation.raised', data: { causeType: 'ticket.team_leader_requested', quote: `${ASKS}: we gave you password: ${PASSWORD} already`, summary: 'The requester asked for the team leader' } }],
          )) as { position: string }[];
          seeded.raised = position;
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('P9: the escalation and its escalation.raised event quote no password; other quotes stay as written', async () => {
    const lead = sut.token({ kind: 'staff', sub: 'lead-1', roles: ['team_lead'], scope: 'escalations:read escalations:manage' });
    const read = await sut.http().get(`/v1/escalations/${seeded.leaky}`).auth(lead, { type: 'bearer' });
    expect(read.status).toBe(200);
    expect(read.body.quote).toBe(`Login to admin fails\n\n${ASKS}: we gave you ${REMOVED} already`);

    const quotes = await sut.query<{ id: string; quote: string }>(`SELECT id::text, quote FROM escalation.escalations`);
    expect(Object.fromEntries(quotes.map((e) => [e.id, e.quote]))).toEqual({
      [seeded.leaky]: `Login to admin fails\n\n${ASKS}: we gave you ${REMOVED} already`,
      [seeded.ordinary]: `${ASKS}: the forgot password page fails`,
    });
    const [{ data }] = await sut.query<{ data: unknown }>(`SELECT event->'data' AS data FROM escalation.outbox WHERE position = $1`, [seeded.raised]);
    expect(data).toEqual({ causeType: 'ticket.team_leader_requested', quote: `${ASKS}: we gave you ${REMOVED} already`, summary: 'The requester asked for the team leader' });
  });

  it('running the migration again changes nothing', async () => {
    const snapshot = async () => [await sut.query(`SELECT * FROM escalation.escalations ORDER BY id`), await sut.query(`SELECT * FROM escalation.outbox ORDER BY position`)];
    const before = await snapshot();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptQuotes1765501320000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await snapshot()).toEqual(before);
  });
});
