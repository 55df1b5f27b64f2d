import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { escalationService } from '../src/index';
import { MaskKeptReferralTexts1765604950000 } from '../src/store/migrations/1765604950000-mask-kept-referral-texts';

const PASSWORD = 'SECRETMARK-63-Referral#';
const REMOVED = '[access particulars removed]';

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P9 (docs/adr/0026, addendum of 2026-12-05, fourth session): releases before it kept a referral's
// reason and a quality outcome as staff wrote them, in escalation.referrals and in the events.
describe('upgrade: referral texts escalation kept in clear (migration 1765604950000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const ticketId = randomUUID();
  const partnerId = randomUUID();
  const seeded = { leaky: randomUUID(), plain: randomUUID(), positions: [] as string[] };
  let sut: ServiceUnderTest;

  const keptReferral = (query: Query, id: string, reason: string, outcome: string | null) =>
    query(
      `INSERT INTO escalation.referrals (id, ticket_id, partner_id, target, reason, status, requested_by, requested_at, answered_at, outcome, outcome_by, outcome_at)
       VALUES ($1, $2, $3, 'quality', $4, 'applied', 'agent-1', now(), now(), $5, 'quality-1', now())`,
      [id, ticketId, partnerId, reason, outcome],
    );
  const keptEvent = async (query: Query, type: string, data: Record<string, unknown>) => {
    const id = randomUUID();
    const [{ position }] = (await query(
      `INSERT INTO escalation.outbox (event_id, event_type, topic, message_key, event, created_at, published_at) VALUES ($1, $2, 'tss.escalation', $3, $4, now(), now()) RETURNING position::text AS position`,
      [id, type, ticketId, { id, type, subject: ticketId, data }],
    )) as { position: string }[];
    return position;
  };

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, {
      clock,
      database: {
        before: 1765604950000,
        write: async (query) => {
          await query(`INSERT INTO escalation.referral_tickets (ticket_id, partner_id, reference) VALUES ($1, $2, 'TSS-AAAAA-BBBBB')`, [ticketId, partnerId]);
          await keptReferral(query, seeded.leaky, `Needs a review; admin password: ${PASSWORD}`, `Checked with login: qa password: ${PASSWORD}`);
          await keptReferral(query, seeded.plain, 'The password reset page fails: review the answer.', null);
          seeded.positions = [
            await keptEvent(query, 'escalation.referral_requested', { partnerId, referralId: seeded.leaky, requestedBy: 'agent-1', reason: `Needs a review; admin password: ${PASSWORD}` }),
            await keptEvent(query, 'escalation.raised', { partnerId, escalationId: seeded.leaky, summary: `Referred to quality: Needs a review; admin password: ${PASSWORD}` }),
            await keptEvent(query, 'escalation.resolved', { partnerId, escalationId: seeded.leaky, outcome: `Checked with login: qa password: ${PASSWORD}` }),
          ];
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('P9: the referral, its reads and its events hold the reason and outcome with the particulars removed', async () => {
    const agent = sut.token({ kind: 'staff', sub: 'agent-1', roles: ['agent'], scope: 'tickets:read escalations:read' });
    const read = await sut.http().get(`/v1/tickets/${ticketId}/referrals/${seeded.leaky}`).auth(agent, { type: 'bearer' });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ reason: `Needs a review; admin ${REMOVED}`, outcome: { text: `Checked with ${REMOVED}` } });
    const events = await sut.query<{ data: Record<string, unknown> }>(`SELECT event->'data' AS data FROM escalation.outbox WHERE position = ANY($1::bigint[]) ORDER BY position`, [seeded.positions]);
    expect(events.map((e) => e.data.reason ?? e.data.summary ?? e.data.outcome)).toEqual([
      `Needs a review; admin ${REMOVED}`,
      `Referred to quality: Needs a review; admin ${REMOVED}`,
      `Checked with ${REMOVED}`,
    ]);
    expect(JSON.stringify(await sut.query(`SELECT * FROM escalation.referrals`))).not.toContain(PASSWORD);
  });

  it('texts without particulars stay as written, and running the migration again changes nothing', async () => {
    const snapshot = async () => ({ referrals: await sut.query(`SELECT * FROM escalation.referrals ORDER BY id`), outbox: await sut.query(`SELECT position, event FROM escalation.outbox ORDER BY position`) });
    const before = await snapshot();
    expect(before.referrals).toContainEqual(expect.objectContaining({ id: seeded.plain, reason: 'The password reset page fails: review the answer.' }));
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptReferralTexts1765604950000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await snapshot()).toEqual(before);
  });
});
