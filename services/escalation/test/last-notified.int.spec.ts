import { randomUUID } from 'node:crypto';
import { SlaBreachedV1, StaffCreatedV1, StaffUpdatedV1, TicketCreatedV1 } from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { escalationService } from '../src';
import { publisherToEscalation, ticketCreatedData } from './support/publish-to-escalation';

const MINUTE = 60_000;

// docs/adr/0038 "No one on duty": an escalation raised or re-notified with no one on duty in its
// role notified nobody, so `lastNotifiedAt` is the last notice that had someone to go to (null
// before the first); escalation alone on real PostgreSQL, re-notices in simulated time.
describe('lastNotifiedAt: the last notice someone was sent', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let sut: ServiceUnderTest;
  const partnerId = randomUUID();
  const lead = `lead-${randomUUID()}`;

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, { clock, env: { ESCALATION_RENOTIFY_AFTER_MS: String(MINUTE) } });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const publish = publisherToEscalation(() => sut, clock);
  const manager = () => sut.token({ kind: 'staff', sub: 'head-1', roles: ['team_lead'], scope: 'escalations:read escalations:manage' });
  const staff = (active: boolean) => ({ staffId: lead, roles: ['team_lead' as const], displayName: 'Lena Lead', email: 'lena@support.example', active, changedAt: clock.now().toISOString() });
  const escalationOf = async (ticketId: string) => {
    const response = await sut.http().get(`/v1/escalations?ticketId=${ticketId}`).auth(manager(), { type: 'bearer' });
    expect(response.status).toBe(200);
    const [escalation] = response.body.items as { id: string; targetStaffIds: string[]; renotices: number; lastNotifiedAt: string | null }[];
    return escalation;
  };
  const renoticesSent = async (ticketId: string) =>
    (await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM escalation.outbox WHERE event_type = 'escalation.renotified' AND message_key = $1`, [ticketId]))[0].n;
  const oneInterval = async (ticketId: string, expected: number) => {
    clock.advanceMs(MINUTE);
    await waitFor(`${expected} re-notices of ${ticketId}`, async () => (await renoticesSent(ticketId)) === expected);
  };

  it('raised with no one on duty: lastNotifiedAt is null; a re-notice that reaches someone sets it; one that reaches nobody keeps it', async () => {
    const ticketId = randomUUID();
    await publish(TicketCreatedV1, ticketId, ticketCreatedData(partnerId, clock));
    await publish(SlaBreachedV1, ticketId, {
      partnerId,
      clockId: randomUUID(),
      level: 'standard',
      dueAt: clock.now().toISOString(),
      breachedAt: clock.now().toISOString(),
      latenessMs: 0,
      late: false,
    });
    const raised = await escalationOf(ticketId);
    expect(raised).toMatchObject({ targetStaffIds: [], renotices: 0, lastNotifiedAt: null });

    // A team leader comes on duty: the next re-notice is sent to them.
    await publish(StaffCreatedV1, lead, staff(true));
    const roster = await sut
      .http()
      .put('/v1/escalation/roster')
      .auth(manager(), { type: 'bearer' })
      .send({ shifts: [{ staffId: lead, role: 'team_leader', timeZone: 'UTC', weekdays: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '00:00' }], overrides: [] });
    expect(roster.status).toBe(200);
    await oneInterval(ticketId, 1);
    const reached = clock.now().toISOString();
    expect(await escalationOf(ticketId)).toMatchObject({ targetStaffIds: [lead], renotices: 1, lastNotifiedAt: reached });

    // They are deactivated: the next re-notice reaches nobody, and the last notice stays the one they got.
    await publish(StaffUpdatedV1, lead, staff(false));
    await oneInterval(ticketId, 2);
    expect(await escalationOf(ticketId)).toMatchObject({ targetStaffIds: [], renotices: 2, lastNotifiedAt: reached });
  });
});

// Escalations a release before 1765603000000 raised with no one on duty recorded the raise as a notice.
describe('upgrade: escalations raised with no one on duty (migration 1765603000000)', () => {
  const clock = new TestClock('2026-12-04T12:00:00.000Z');
  const raisedAt = new Date('2026-12-04T10:00:00.000Z');
  const renotifiedAt = new Date('2026-12-04T10:15:00.000Z');
  const seeded = { nobody: randomUUID(), reached: randomUUID(), renotified: randomUUID() };
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, {
      clock,
      database: {
        before: 1765603000000,
        write: async (query) => {
          const kept = (id: string, targets: string[], renotices: number, lastNotifiedAt: Date) =>
            query(
              `INSERT INTO escalation.escalations (id, ticket_id, partner_id, kind, level, rule, cause_key, cause_event_id, cause_type, target_role, target_staff_ids, summary, status, raised_at, renotices, last_notified_at)
               VALUES ($1::uuid, $2, $3, 'sla_breach', 1, 'sla-breach', $1::text, $4, 'sla.breached', 'team_leader', $5, 'The maximum response time passed with no response', 'open', $6, $7, $8)`,
              [id, randomUUID(), randomUUID(), randomUUID(), targets, raisedAt, renotices, lastNotifiedAt],
            );
          await kept(seeded.nobody, [], 0, raisedAt);
          await kept(seeded.reached, ['lead-1'], 0, raisedAt);
          // Its last re-notice reached nobody, but an earlier notice may have reached someone.
          await kept(seeded.renotified, [], 1, renotifiedAt);
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('one raised with no one on duty and never re-notified reached nobody: null; the others keep their instant', async () => {
    const lead = sut.token({ kind: 'staff', sub: 'lead-1', roles: ['team_lead'], scope: 'escalations:read escalations:manage' });
    const lastNotifiedAt = async (id: string) => {
      const read = await sut.http().get(`/v1/escalations/${id}`).auth(lead, { type: 'bearer' });
      expect(read.status).toBe(200);
      return read.body.lastNotifiedAt as string | null;
    };
    expect(await lastNotifiedAt(seeded.nobody)).toBeNull();
    expect(await lastNotifiedAt(seeded.reached)).toBe(raisedAt.toISOString());
    expect(await lastNotifiedAt(seeded.renotified)).toBe(renotifiedAt.toISOString());
    // Expand-only (docs/adr/0071): the column older releases read keeps a value.
    expect(await sut.query(`SELECT count(*)::int AS n FROM escalation.escalations WHERE last_notified_at IS NULL`)).toEqual([{ n: 0 }]);
  });
});
