import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { MaskKeptReferralReasons1765604910000 } from '../../src/store/migrations/1765604910000-mask-kept-referral-reasons';
import { insertTicketRow } from './support/ticket-rows';

const PASSWORD = 'SECRETMARK-63-Referral#';
const REMOVED = '[access particulars removed]';

// P9 (docs/adr/0026, addendum of 2026-12-05, fourth session): releases before it kept a referral's
// reason as escalation sent it, particulars included, as the `note` of its `referral_applied` entry.
describe('upgrade: referral reasons kept in clear in the history (migration 1765604910000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const partnerId = randomUUID();
  const ids = { ticket: '', leaky: randomUUID(), plain: randomUUID() };
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, {
      clock,
      database: {
        before: 1765604910000,
        write: async (query) => {
          ids.ticket = await insertTicketRow(query, { partnerId, receivedAt: new Date('2026-12-04T09:00:00.000Z') });
          const entry = (detail: Record<string, unknown>, sequence: number) =>
            query(
              `INSERT INTO ticket_intake.ticket_history (ticket_id, partner_id, at, actor_kind, actor_id, action, detail, sequence, visibility) VALUES ($1, $2, '2026-12-04T10:00:00Z', 'staff', 'agent-1', 'referral_applied', $3, $4, 'internal')`,
              [ids.ticket, partnerId, detail, sequence],
            );
          await entry({ referralId: ids.leaky, target: 'quality', note: `Needs a review; admin password: ${PASSWORD}` }, 3);
          await entry({ referralId: ids.plain, target: 'quality', note: 'The password reset page fails: review the answer.' }, 4);
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const notes = async () =>
    (await sut.query<{ detail: { referralId: string; note: string } }>(`SELECT detail FROM ticket_intake.ticket_history WHERE ticket_id = $1 ORDER BY id`, [ids.ticket])).map((h) => [h.detail.referralId, h.detail.note]);

  it('P9: staff read the referral’s reason in the history with the particulars removed; others as written', async () => {
    const staff = sut.token({ kind: 'staff', sub: 'agent-1', client_id: 'agent-1', roles: ['agent'], scope: 'tickets:read tickets:write' });
    const history = await sut.http().get(`/v1/tickets/${ids.ticket}/history`).auth(staff, { type: 'bearer' });
    expect(history.status).toBe(200);
    expect(JSON.stringify(history.body)).not.toContain(PASSWORD);
    expect(await notes()).toEqual([
      [ids.leaky, `Needs a review; admin ${REMOVED}`],
      [ids.plain, 'The password reset page fails: review the answer.'],
    ]);
  });

  it('running the migration again changes nothing', async () => {
    const before = await notes();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptReferralReasons1765604910000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await notes()).toEqual(before);
  });
});
